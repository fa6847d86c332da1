/*
 * Diagnostics: single lines on stderr, each starting "flightprof: ".
 * flightprof never writes to stdout.
 */
#ifndef FLIGHTPROF_LOG_H
#define FLIGHTPROF_LOG_H

#include <stdint.h>

/* Formats with vsnprintf into a stack buffer and writes one line. Not for
 * signal handlers. Newlines in the message are folded to spaces. */
void fp_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An async-signal-safe version of fp_log: concatenates the NULL-terminated
 * list of strings into one line and writes it with a single write(2). */
void fp_log_from_handler(const char *first, ...) __attribute__((sentinel));

/* Formats `v` in decimal into `buf` (at least 21 bytes) without locale or
 * malloc; returns buf. Async-signal-safe. */
char *fp_log_u64(uint64_t v, char *buf);

#endif
