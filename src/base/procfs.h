/*
 * Reading the kernel's small text files about this and other processes
 * (/proc/PID/stat, comm, cmdline, /proc/stat): whole, into the caller's
 * buffer, and the stat line split into its fields.
 */
#ifndef FLIGHTPROF_PROCFS_H
#define FLIGHTPROF_PROCFS_H

#include <stddef.h>
#include <sys/types.h>

/* Reads the file at `path` into buf (at most len - 1 bytes, until end of
 * file) and NUL-terminates it. Returns the bytes read, or -1 if the file
 * cannot be opened. Async-signal-safe. */
ssize_t fp_procfs_read(const char *path, char *buf, size_t len);

/*
 * Reads a stat file (/proc/PID/stat, /proc/PID/task/TID/stat) into buf and
 * splits, in place, the fields after the command name, which is in
 * parentheses and may itself hold spaces and parentheses: fields[0] is
 * field 3 (the state letter), fields[k] field k + 3. Returns how many
 * were found (at most `max`), or -1 if the file is unreadable or has no
 * command. Async-signal-safe.
 */
int fp_procfs_stat_fields(const char *path, char *buf, size_t len, char **fields, int max);

#endif
