/*
 * The CPU profile: the public flightprof_cpu_* API, the sample consumer
 * feeding the stack table, and writing the table out as a pprof CPU
 * profile.
 */
#ifndef FLIGHTPROF_CPU_H
#define FLIGHTPROF_CPU_H

struct fp_engine;

/* The engine (engine.h): profiles from load when FLIGHTPROF_CPU is set,
 * and through flightprof_cpu_start. */
extern const struct fp_engine fp_cpu_engine;

#endif
