/*
 * The flight recorder's endpoints (http_recorder.c). Called on the server
 * thread only.
 */
#ifndef FLIGHTPROF_HTTP_RECORDER_H
#define FLIGHTPROF_HTTP_RECORDER_H

#include "http_parse.h"
#include "http_reply.h"

/* /debug/flightrecorder: a snapshot of the recorder's window now. */
void fp_http_flightrecorder(struct fp_http_reply *out);

/* /debug/pprof/trace?seconds=N: a snapshot, N seconds from now, of the
 * events from now on (N decimal, Go's 1 when missing, invalid or not
 * positive). */
void fp_http_trace(const struct fp_http_request *req, struct fp_http_reply *out);

#endif
