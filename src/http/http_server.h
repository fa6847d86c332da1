/*
 * The live endpoint (FLIGHTPROF_HTTP): one more engine. A listening
 * socket of flightprof's own, served on one thread of flightprof's own
 * that never runs the program's code or handlers.
 */
#ifndef FLIGHTPROF_HTTP_SERVER_H
#define FLIGHTPROF_HTTP_SERVER_H

#include "engine.h"

/* The engine binds the address at load; this starts the thread that
 * answers on it, and is called once every engine has started, so that no
 * request finds a profile that the endpoint turned on still starting.
 * Nothing when the engine did not start. */
extern const struct fp_engine fp_http_engine;
void fp_http_server_run(void);

/* The address the endpoint serves on, as announced ("127.0.0.1:40123"
 * with the port the kernel chose for port 0, "[::1]:6060", "unix:/path"),
 * for the discovery file; "" when it does not serve. */
const char *fp_http_server_address(void);

#endif
