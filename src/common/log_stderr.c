/*
 * log.h in the library and the CLI: diagnostics on stderr and in the
 * FLIGHTPROF_LOG file. Owns the line format, the log file pattern and
 * whether stderr is a terminal (both set once at load, read-only
 * afterwards).
 *
 * Signal context: fp_log_from_handler, fp_log_info_from_handler.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pattern.h"

#define LOG_PREFIX "flightprof: "
#define LOG_LINE_MAX 512

static char log_file[PATH_MAX]; /* FLIGHTPROF_LOG pattern; "" for none */
static uint64_t load_time;      /* %t in log_file */
static int stderr_is_tty = -1;  /* -1 until fp_log_configure */

void fp_log_configure(const char *file)
{
    /* Decided once: a program that later points fd 2 at a terminal (or
     * away from one) has chosen its stderr; flightprof does not follow. */
    stderr_is_tty = isatty(STDERR_FILENO);
    load_time = (uint64_t)time(NULL);
    log_file[0] = '\0';
    if (file && strlen(file) < sizeof(log_file))
        strcpy(log_file, file);
}

/* Open, write, close: the program never sees a descriptor of ours, and a
 * fork child (%p) or a rotated file gets a new one on the next line. */
static void append_to_file(const char *line, size_t len)
{
    char path[PATH_MAX];

    if (fp_pattern_expand(log_file, getpid(), load_time, 0, path, sizeof(path)) != 0)
        return;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
    if (fd < 0)
        return;
    ssize_t unused = write(fd, line, len);
    (void)unused;
    close(fd);
}

static void write_line(char *line, size_t len, bool info)
{
    int saved_errno = errno;

    for (size_t i = 0; i < len; i++)
        if (line[i] == '\n')
            line[i] = ' ';
    line[len++] = '\n';
    /* One write per line keeps lines whole when threads (or, in a shared
     * log file, processes) log at once. */
    bool to_file = log_file[0] != '\0';
    bool to_stderr = !info || (!to_file && (stderr_is_tty >= 0 ? stderr_is_tty
                                                               : isatty(STDERR_FILENO)));
    if (to_stderr) {
        ssize_t unused = write(STDERR_FILENO, line, len);
        (void)unused;
    }
    if (to_file)
        append_to_file(line, len);
    errno = saved_errno;
}

static size_t format_line(char *line, const char *fmt, va_list ap)
{
    size_t len = sizeof(LOG_PREFIX) - 1;

    memcpy(line, LOG_PREFIX, len);
    int n = vsnprintf(line + len, LOG_LINE_MAX - len, fmt, ap);
    if (n > 0)
        len += (size_t)n < LOG_LINE_MAX - len ? (size_t)n : LOG_LINE_MAX - len - 1;
    return len;
}

/* Concatenation only: no formatting, no locale, no malloc. */
static size_t concat_line(char *line, const char *first, va_list ap)
{
    size_t len = sizeof(LOG_PREFIX) - 1;

    memcpy(line, LOG_PREFIX, len);
    for (const char *s = first; s; s = va_arg(ap, const char *))
        while (*s && len < LOG_LINE_MAX)
            line[len++] = *s++;
    return len;
}

void fp_log(const char *fmt, ...)
{
    char line[LOG_LINE_MAX + 1];
    va_list ap;

    va_start(ap, fmt);
    size_t len = format_line(line, fmt, ap);
    va_end(ap);
    write_line(line, len, false);
}

void fp_log_info(const char *fmt, ...)
{
    char line[LOG_LINE_MAX + 1];
    va_list ap;

    va_start(ap, fmt);
    size_t len = format_line(line, fmt, ap);
    va_end(ap);
    write_line(line, len, true);
}

void fp_log_from_handler(const char *first, ...)
{
    char line[LOG_LINE_MAX + 1];
    va_list ap;

    va_start(ap, first);
    size_t len = concat_line(line, first, ap);
    va_end(ap);
    write_line(line, len, false);
}

void fp_log_info_from_handler(const char *first, ...)
{
    char line[LOG_LINE_MAX + 1];
    va_list ap;

    va_start(ap, first);
    size_t len = concat_line(line, first, ap);
    va_end(ap);
    write_line(line, len, true);
}
