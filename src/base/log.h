/*
 * Diagnostics: single lines, each starting "flightprof: ". flightprof never
 * writes to stdout.
 *
 * Two levels. Errors and warnings (fp_log, fp_log_from_handler) go to
 * stderr, and also to the FLIGHTPROF_LOG file when one is set: the user
 * must hear about a bad configuration. Informational lines (fp_log_info,
 * fp_log_info_from_handler: "snapshot written to ...") must not change the
 * program's stderr, which tests and supervisors may compare byte for byte:
 * they go to the FLIGHTPROF_LOG file when one is set, else to stderr only
 * when stderr is a terminal (as decided by fp_log_configure).
 */
#ifndef FLIGHTPROF_LOG_H
#define FLIGHTPROF_LOG_H

#include <stdint.h>

/*
 * Called once at load (by fp_config_load): `file` is the FLIGHTPROF_LOG
 * pattern, an absolute path (%p is the pid of the process writing, %t the
 * load time), or NULL for none; and whether stderr is a terminal is
 * decided now, once. Until then informational lines go to stderr only if
 * it is a terminal, and nothing goes to a file.
 */
void fp_log_configure(const char *file);

/* Formats with vsnprintf into a stack buffer and writes one error or
 * warning line. Not for signal handlers. Newlines in the message are
 * folded to spaces. */
void fp_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An async-signal-safe version of fp_log: concatenates the NULL-terminated
 * list of strings into one line and writes it with a single write(2) per
 * destination. */
void fp_log_from_handler(const char *first, ...) __attribute__((sentinel));

/* fp_log and fp_log_from_handler for informational lines. The file is
 * opened (O_APPEND), written once and closed for each line, so that no
 * descriptor stays open in the program. */
void fp_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fp_log_info_from_handler(const char *first, ...) __attribute__((sentinel));

#endif
