/*
 * Output path patterns: %p (pid), %t (unix time), %n (sequence number)
 * and %%, and the decimal formatting they need. The lowest layer of
 * output naming: it depends on nothing of flightprof's, so both the
 * diagnostics (a FLIGHTPROF_LOG pattern) and the output files use it.
 */
#ifndef FLIGHTPROF_PATTERN_H
#define FLIGHTPROF_PATTERN_H

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

/* Appends `s` to the string of *len bytes in out[outlen], keeping it
 * NUL-terminated. Returns 0, or -1 with errno ENAMETOOLONG (out is then
 * unchanged). Async-signal-safe. */
int fp_pattern_append(char *out, size_t outlen, size_t *len, const char *s);

/* Formats `v` in decimal into `buf` (at least 21 bytes) without locale or
 * malloc; returns buf. Async-signal-safe. */
char *fp_pattern_u64(uint64_t v, char *buf);

#endif
