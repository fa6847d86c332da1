/*
 * The lock-contention profile (FLIGHTPROF_MUTEX): one contention in
 * FLIGHTPROF_MUTEX_RATE is recorded with the waiter's stack and the time
 * it waited, aggregated by stack, and written as a pprof profile with Go's
 * conventions at exit and through the API.
 */
#ifndef FLIGHTPROF_MUTEXPROF_H
#define FLIGHTPROF_MUTEXPROF_H

#include <stdint.h>

struct fp_config;

/* Starts the profile if cfg->mutex_path is set, and tells the lock
 * wrappers what to feed. Called once at load, after fp_recorder_init. */
void fp_mutexprof_init(const struct fp_config *cfg);

/* A lock acquisition that waited `wait_ns`; `caller` is the lock wrapper's
 * return address. Samples and records it when the profile is on. */
void fp_mutexprof_contended(uint64_t wait_ns, const void *caller);

#endif
