/*
 * The live endpoint (FLIGHTPROF_HTTP): one more engine. A listening
 * socket of flightprof's own, served on one thread of flightprof's own
 * that never runs the program's code or handlers.
 */
#ifndef FLIGHTPROF_HTTP_SERVER_H
#define FLIGHTPROF_HTTP_SERVER_H

#include "engine.h"

extern const struct fp_engine fp_http_engine;

#endif
