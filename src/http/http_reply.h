/*
 * An HTTP response as the endpoint's handlers build it and the connection
 * loop sends it, and the plain-text errors Go's handlers write.
 */
#ifndef FLIGHTPROF_HTTP_REPLY_H
#define FLIGHTPROF_HTTP_REPLY_H

#include <stddef.h>

/* The content type of Go's plain-text answers. */
#define FP_HTTP_TEXT "text/plain; charset=utf-8"

/* A response: status, content type, body and at most one more header. */
struct fp_http_reply {
    unsigned status;
    const char *type;
    const char *header, *value; /* NULL for none */
    const char *body;           /* static text, or `owned` */
    char *owned;                /* fp_mem memory the server frees */
    size_t len;
};

/* Fills `out` with a static `body` of `len` bytes. */
void fp_http_reply_static(struct fp_http_reply *out, unsigned status, const char *type,
                          const char *body, size_t len);

/* Fills `out` with Go's plain-text error for `status`: the message and a
 * newline, text/plain, X-Go-Pprof: 1. */
void fp_http_error(unsigned status, const char *msg, struct fp_http_reply *out);

/* The reason phrase of `status` ("OK", "Not Found"). */
const char *fp_http_reason(unsigned status);

#endif
