/*
 * The block profile (FLIGHTPROF_BLOCK), Go's: where threads waited on
 * synchronization (condition variables, joins, semaphores, barriers,
 * mutex and rwlock acquisitions), by the waiter's stack, with Go's
 * SetBlockProfileRate sampling (FLIGHTPROF_BLOCK_RATE), written as a
 * pprof profile at exit and through the API. Sleeps and I/O polling are
 * not waits on synchronization and stay out of it.
 */
#ifndef FLIGHTPROF_BLOCKPROF_H
#define FLIGHTPROF_BLOCKPROF_H

#include <stdint.h>

struct fp_engine;
struct fp_siteprof;

/* The engine (engine.h): on when FLIGHTPROF_BLOCK is set or the endpoint
 * asks for it; asks the lock and wait wrappers to feed it. */
extern const struct fp_engine fp_block_engine;

/* The profile, for the endpoint; NULL when it is off. */
struct fp_siteprof *fp_blockprof_profile(void);

/* A synchronization wait of `wait_ns` that ended; `caller` is the
 * wrapper's return address. Samples and records it when the profile is
 * on. */
void fp_blockprof_wait(uint64_t wait_ns, const void *caller);

#endif
