/*
 * /metrics: the Prometheus text exposition (format 0.0.4) of the process
 * as client libraries' standard process_* metrics name it, and of its
 * threads by state. Called on the server thread only.
 */
#ifndef FLIGHTPROF_HTTP_METRICS_H
#define FLIGHTPROF_HTTP_METRICS_H

#include "http_reply.h"

/* Fills `out` with the exposition, read now (or a 500). */
void fp_http_metrics(struct fp_http_reply *out);

#endif
