/*
 * The CPU profile: the public flightprof_cpu_* API, the sample consumer
 * feeding the stack table (and the flight recorder), and writing the
 * table out as a pprof CPU profile.
 */
#ifndef FLIGHTPROF_CPU_H
#define FLIGHTPROF_CPU_H

#include "config.h"

/* Starts the profiler if FLIGHTPROF_CPU is set, or the sampler alone for
 * the flight recorder if FLIGHTPROF_RECORDER_HZ is. Called once at load. */
void fp_cpu_init(const struct fp_config *cfg);

#endif
