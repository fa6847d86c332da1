/*
 * The live endpoint (FLIGHTPROF_HTTP): one more engine. A listening
 * socket of flightprof's own, served on one thread of flightprof's own
 * that never runs the program's code or handlers.
 */
#ifndef FLIGHTPROF_HTTP_SERVER_H
#define FLIGHTPROF_HTTP_SERVER_H

#include "engine.h"

extern const struct fp_engine fp_http_engine;

/* The address the endpoint serves on, as announced ("127.0.0.1:40123"
 * with the port the kernel chose for port 0, "[::1]:6060", "unix:/path"),
 * for the discovery file; "" when it does not serve. */
const char *fp_http_server_address(void);

#endif
