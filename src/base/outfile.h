/*
 * Output files: checking and replacing them atomically
 * (write a temporary file in the same directory, then rename it), so that a
 * reader never sees half a profile or snapshot.
 */
#ifndef FLIGHTPROF_OUTFILE_H
#define FLIGHTPROF_OUTFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Checks that files named by `pattern` can be created: its directory
 * exists and is writable. Logs one line naming `what` (the environment
 * variable) and returns -1 if not.
 */
int fp_outfile_check_pattern(const char *what, const char *pattern);

/*
 * Whether files can be created next to `path`: its directory exists and is
 * writable (a check, not a creation: on some filesystems creating a file
 * costs most of what a short process pays). Returns 0 or -1 with errno.
 */
int fp_outfile_dir_writable(const char *path);

/*
 * Opens a new temporary file next to `path` for writing; its name goes to
 * `tmp` (tmplen >= PATH_MAX). Returns the descriptor or -1 with errno.
 * Async-signal-safe.
 */
int fp_outfile_open_temp(const char *path, char *tmp, size_t tmplen);

/* Writes all of buf to fd, retrying short writes and EINTR.
 * Async-signal-safe. */
int fp_outfile_write_all(int fd, const void *buf, size_t len);

/*
 * Closes `fd` and renames `tmp` over `path`; on any failure removes `tmp`
 * and returns -1 with errno. Async-signal-safe.
 */
int fp_outfile_commit(int fd, const char *tmp, const char *path);

/* open_temp + write_all + commit. Async-signal-safe. */
int fp_outfile_write_atomic(const char *path, const void *buf, size_t len);

#endif
