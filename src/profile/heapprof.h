/*
 * The heap profile (FLIGHTPROF_HEAP): allocations sampled like Go and
 * tcmalloc do it, by a per-thread byte countdown drawn from an exponential
 * distribution with mean FLIGHTPROF_HEAP_RATE, their stacks aggregated by
 * (stack, size), sampled blocks tracked until freed, written as a pprof
 * heap profile at exit, on FLIGHTPROF_HEAP_SIGNAL and through the API.
 *
 * The allocator wrappers (interpose_malloc.c) call in here: the countdown
 * is inline so that an unsampled allocation costs a TLS subtraction.
 */
#ifndef FLIGHTPROF_HEAPPROF_H
#define FLIGHTPROF_HEAPPROF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heapset.h"

struct fp_engine;
struct fp_siteprof;

/* The engine (engine.h): on when FLIGHTPROF_HEAP is set; asks the
 * allocator wrappers to feed it. */
extern const struct fp_engine fp_heap_engine;

/* The profile, for the endpoint; NULL when it is off. */
struct fp_siteprof *fp_heapprof_profile(void);

/* Bytes the calling thread may still allocate before its next sample.
 * Owned by the thread; 0 in a thread that has not allocated yet. */
extern __thread int64_t fp_heapprof_countdown __attribute__((tls_model("initial-exec")));

/* Counts `size` allocated bytes; true when this allocation must go to
 * fp_heapprof_sample. */
static inline bool fp_heapprof_tick(size_t size)
{
    fp_heapprof_countdown -= (int64_t)size;
    return fp_heapprof_countdown <= 0;
}

/*
 * The slow path of an allocation whose tick fired: draws the thread's next
 * interval and, unless that was only the thread's first draw, records `ptr`
 * (of `size` bytes) with the stack of `caller`'s caller chain. `caller` is
 * the allocator wrapper's return address.
 */
void fp_heapprof_sample(const void *ptr, size_t size, const void *caller);

/* The sampled blocks in use (heapprof.c owns it). */
extern struct fp_heapset fp_heapprof_blocks;

/* False if `ptr` is certainly not a sampled block in use: one load, no
 * lock. */
static inline bool fp_heapprof_may_track(const void *ptr)
{
    return fp_heapset_may_contain(&fp_heapprof_blocks, (uintptr_t)ptr);
}

/*
 * Before `ptr` is freed or reallocated, when fp_heapprof_may_track(ptr):
 * if it is a sampled block, counts it freed and stops tracking it,
 * returning a nonzero token; else returns 0.
 */
uint32_t fp_heapprof_forget(const void *ptr);

/* Undoes fp_heapprof_forget(ptr) == token after a realloc that failed and
 * left the block in place. */
void fp_heapprof_restore(const void *ptr, uint32_t token);

#endif
