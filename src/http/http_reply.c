/*
 * Responses and Go's error texts. Owns nothing.
 *
 * Signal context: none.
 */
#include "http_reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "mem.h"

const char *fp_http_reason(unsigned status)
{
    switch (status) {
    case 200: return "OK";
    case 301: return "Moved Permanently";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

bool fp_http_seconds_within_limit(long long seconds, struct fp_http_reply *out)
{
    char msg[96];

    if (seconds <= FP_HTTP_SECONDS_MAX)
        return true;
    snprintf(msg, sizeof(msg), "duration exceeds the endpoint's limit of %d seconds",
             FP_HTTP_SECONDS_MAX);
    fp_http_error(400, msg, out);
    return false;
}

void fp_http_reply_later(struct fp_http_reply *out, uint64_t wait_ns, void *state,
                         void (*finish)(void *state, struct fp_http_reply *out),
                         void (*cancel)(void *state))
{
    fp_http_reply_static(out, 0, NULL, NULL, 0);
    out->later = (struct fp_http_later){
        .ready_ns = fp_clock_ns(CLOCK_MONOTONIC) + wait_ns, .state = state,
        .finish = finish, .cancel = cancel};
}

void fp_http_reply_static(struct fp_http_reply *out, unsigned status, const char *type,
                          const char *body, size_t len)
{
    memset(out, 0, sizeof(*out));
    out->status = status;
    out->type = type;
    out->body = body;
    out->len = len;
}

bool fp_http_text_init(struct fp_http_text *t, size_t cap)
{
    t->buf = fp_mem_alloc(cap);
    t->len = 0;
    t->cap = t->buf ? cap : 0;
    return t->buf != NULL;
}

void fp_http_text_add(struct fp_http_text *t, const char *fmt, ...)
{
    va_list ap;

    if (t->len + 1 >= t->cap)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len += (size_t)n < t->cap - t->len ? (size_t)n : t->cap - 1 - t->len;
}

void fp_http_reply_owned(struct fp_http_reply *out, const char *type, char *body, size_t len)
{
    fp_http_reply_static(out, 200, type, body, len);
    out->owned = body;
    fp_http_reply_header(out, "X-Content-Type-Options", "nosniff");
}

void fp_http_reply_text(struct fp_http_reply *out, const char *type, struct fp_http_text *t)
{
    fp_http_reply_static(out, 200, type, t->buf, t->len);
    out->owned = t->buf;
    t->buf = NULL;
}

void fp_http_reply_header(struct fp_http_reply *out, const char *name, const char *value)
{
    size_t used = strlen(out->headers), room = sizeof(out->headers) - used;
    int n = snprintf(out->headers + used, room, "%s: %s\r\n", name, value);

    if (n < 0 || (size_t)n >= room)
        out->headers[used] = '\0';
}

void fp_http_error(unsigned status, const char *msg, struct fp_http_reply *out)
{
    size_t n = strlen(msg);
    char *body = fp_mem_alloc(n + 2);

    fp_http_reply_static(out, status, FP_HTTP_TEXT, "", 0);
    if (body) {
        memcpy(body, msg, n);
        body[n] = '\n';
        out->owned = body;
        out->body = body;
        out->len = n + 1;
    }
    fp_http_reply_header(out, "X-Content-Type-Options", "nosniff");
    fp_http_reply_header(out, "X-Go-Pprof", "1");
}

