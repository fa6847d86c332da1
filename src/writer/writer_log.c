/*
 * log.h in the writer module: fp_log and fp_log_info format the message
 * and pass it to the host library's log, which adds the prefix and knows
 * where lines go (FLIGHTPROF_LOG, whether stderr is a terminal). The
 * handler variants are not part of the module: nothing in it runs in a
 * signal handler. Owns the host pointer.
 *
 * Signal context: none.
 */
#include "writer_log.h"

#include <stdarg.h>
#include <stdio.h>

#include "log.h"

#define MESSAGE_MAX 1024

static const struct fp_writer_host *host;

void fp_writer_log_set_host(const struct fp_writer_host *h)
{
    host = h;
}

static void forward(void (*to)(const char *), const char *fmt, va_list ap)
{
    char message[MESSAGE_MAX];

    vsnprintf(message, sizeof(message), fmt, ap);
    if (to)
        to(message);
}

void fp_log(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    forward(host ? host->log : NULL, fmt, ap);
    va_end(ap);
}

void fp_log_info(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    forward(host ? host->log_info : NULL, fmt, ap);
    va_end(ap);
}
