/*
 * Output path patterns: %p (pid), %t (unix time), %n (sequence number)
 * and %%, and the decimal formatting they need. The lowest layer of
 * output naming: it depends on nothing of flightprof's, so both the
 * diagnostics (a FLIGHTPROF_LOG pattern) and the output files use it.
 */
#ifndef FLIGHTPROF_PATTERN_H
#define FLIGHTPROF_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Expands %p (pid), %t (`unix_time`), %n (`seq`) and %% in `pattern` into
 * `out`; any other % sequence is kept as written. Returns 0, or -1 with
 * errno ENAMETOOLONG. Async-signal-safe.
 */
int fp_pattern_expand(const char *pattern, pid_t pid, uint64_t unix_time, uint64_t seq,
                      char *out, size_t outlen);

/*
 * The pattern a process of a profiled tree writes to: in a descendant of
 * the process where flightprof first loaded (a fork child, or a program it
 * exec'd), a pattern without %p gets ".%p" appended, so that parent and
 * child never write the same file. A result that would not fit in
 * `outlen` bytes is the pattern unchanged (or empty if that does not fit
 * either). Async-signal-safe.
 */
void fp_pattern_own(const char *pattern, bool descendant, char *out, size_t outlen);

/*
 * The inverse, for finding the files a process wrote: a glob(3) pattern
 * matching every name process `pid` expands fp_pattern_own(pattern,
 * descendant) to, whatever its %t and %n. Returns 0, or -1 with errno
 * ENAMETOOLONG.
 */
int fp_pattern_glob(const char *pattern, pid_t pid, bool descendant, char *out, size_t outlen);

/* Appends `s` to the string of *len bytes in out[outlen], keeping it
 * NUL-terminated. Returns 0, or -1 with errno ENAMETOOLONG (out is then
 * unchanged). Async-signal-safe. */
int fp_pattern_append(char *out, size_t outlen, size_t *len, const char *s);

/* Formats `v` in decimal into `buf` (at least 21 bytes) without locale or
 * malloc; returns buf. Async-signal-safe. */
char *fp_pattern_u64(uint64_t v, char *buf);

#endif
