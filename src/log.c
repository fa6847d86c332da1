/*
 * Diagnostics on stderr. Owns nothing but the line format.
 *
 * Signal context: fp_log_from_handler, fp_log_u64.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LOG_PREFIX "flightprof: "
#define LOG_LINE_MAX 512

static void write_line(char *line, size_t len)
{
    int saved_errno = errno;

    for (size_t i = 0; i < len; i++)
        if (line[i] == '\n')
            line[i] = ' ';
    line[len++] = '\n';
    /* One write per line keeps lines whole when threads log at once. */
    ssize_t unused = write(STDERR_FILENO, line, len);
    (void)unused;
    errno = saved_errno;
}

void fp_log(const char *fmt, ...)
{
    char line[LOG_LINE_MAX + 1];
    size_t len = sizeof(LOG_PREFIX) - 1;
    va_list ap;

    memcpy(line, LOG_PREFIX, len);
    va_start(ap, fmt);
    int n = vsnprintf(line + len, LOG_LINE_MAX - len, fmt, ap);
    va_end(ap);
    if (n > 0)
        len += (size_t)n < LOG_LINE_MAX - len ? (size_t)n : LOG_LINE_MAX - len - 1;
    write_line(line, len);
}

void fp_log_from_handler(const char *first, ...)
{
    char line[LOG_LINE_MAX + 1];
    size_t len = sizeof(LOG_PREFIX) - 1;
    va_list ap;

    memcpy(line, LOG_PREFIX, len);
    va_start(ap, first);
    for (const char *s = first; s; s = va_arg(ap, const char *))
        while (*s && len < LOG_LINE_MAX)
            line[len++] = *s++;
    va_end(ap);
    write_line(line, len);
}

char *fp_log_u64(uint64_t v, char *buf)
{
    char tmp[21];
    size_t n = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return buf;
}
