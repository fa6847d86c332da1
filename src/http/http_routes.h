/*
 * What the endpoint answers: Go's net/http/pprof paths, parameters and
 * error conventions, so that go tool pprof, Alloy and Parca work
 * unchanged. Called on the server thread only.
 */
#ifndef FLIGHTPROF_HTTP_ROUTES_H
#define FLIGHTPROF_HTTP_ROUTES_H

#include <stddef.h>

#include "http_parse.h"

/* A response: status, content type, body and at most one more header. */
struct fp_http_reply {
    unsigned status;
    const char *type;
    const char *header, *value; /* NULL for none */
    const char *body;           /* static text, or `owned` */
    char *owned;                /* fp_mem memory the server frees */
    size_t len;
};

/* Remembers the bearer token ("" for none) every request must carry.
 * Called once, before the server starts. */
void fp_http_routes_init(const char *token);

/* Answers `req`, whose body is body[0..body_len). */
void fp_http_routes_handle(const struct fp_http_request *req, const char *body, size_t body_len,
                           struct fp_http_reply *out);

/* The reason phrase of `status` ("OK", "Not Found"). */
const char *fp_http_reason(unsigned status);

/* Fills `out` with Go's plain-text error for `status`: the message and a
 * newline, text/plain, X-Go-Pprof: 1. */
void fp_http_error(unsigned status, const char *msg, struct fp_http_reply *out);

#endif
