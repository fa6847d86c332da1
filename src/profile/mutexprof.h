/*
 * The lock-contention profile (FLIGHTPROF_MUTEX): one contention in
 * FLIGHTPROF_MUTEX_RATE is recorded with the waiter's stack and the time
 * it waited, aggregated by stack, and written as a pprof profile with Go's
 * conventions at exit and through the API.
 */
#ifndef FLIGHTPROF_MUTEXPROF_H
#define FLIGHTPROF_MUTEXPROF_H

#include <stdint.h>

struct fp_engine;
struct fp_siteprof;

/* The engine (engine.h): on when FLIGHTPROF_MUTEX is set; asks the lock
 * wrappers to feed it. */
extern const struct fp_engine fp_mutex_engine;

/* The profile, for the endpoint; NULL when it is off. */
struct fp_siteprof *fp_mutexprof_profile(void);

/* A lock acquisition that waited `wait_ns`; `caller` is the lock wrapper's
 * return address. Samples and records it when the profile is on. */
void fp_mutexprof_contended(uint64_t wait_ns, const void *caller);

#endif
