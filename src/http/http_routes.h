/*
 * What the endpoint answers: Go's net/http/pprof paths, parameters and
 * error conventions, so that go tool pprof, Alloy and Parca work
 * unchanged; and /metrics. Called on the server thread only.
 */
#ifndef FLIGHTPROF_HTTP_ROUTES_H
#define FLIGHTPROF_HTTP_ROUTES_H

#include <stddef.h>

#include "http_parse.h"
#include "http_reply.h"

/* Remembers the bearer token ("" for none) every request must carry.
 * Called once, before the server starts. */
void fp_http_routes_init(const char *token);

/* Answers `req`, whose body is body[0..body_len). */
void fp_http_routes_handle(const struct fp_http_request *req, const char *body, size_t body_len,
                           struct fp_http_reply *out);

#endif
