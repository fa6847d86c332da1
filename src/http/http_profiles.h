/*
 * The profile endpoints, as Go's net/http/pprof serves them:
 * /debug/pprof/profile (a CPU profile of the next N seconds) and the
 * profiles of what has happened so far, or their delta over the next N
 * seconds (heap, allocs, mutex). Called on the server thread only.
 */
#ifndef FLIGHTPROF_HTTP_PROFILES_H
#define FLIGHTPROF_HTTP_PROFILES_H

#include <stdbool.h>

#include "http_parse.h"
#include "http_reply.h"

/* /debug/pprof/profile?seconds=N: answered N seconds from now (Go's 30
 * when N is missing, invalid or not positive). */
void fp_http_profile_cpu(const struct fp_http_request *req, struct fp_http_reply *out);

/* /debug/pprof/NAME for the profiles below; false (out untouched) when
 * NAME is none of them. */
bool fp_http_profile_named(const char *name, const struct fp_http_request *req,
                           struct fp_http_reply *out);

/* /debug/pprof/: Go's index, each profile with its count of records now
 * (a profile that is off shows none), links and a line about it. */
void fp_http_profile_index(struct fp_http_reply *out);

/* /debug/pprof/symbol: Go's answer for the addresses, '+'-separated, in
 * the query (GET) or in `body` (POST). */
void fp_http_symbol(const struct fp_http_request *req, const char *body, size_t body_len,
                    struct fp_http_reply *out);

#endif
