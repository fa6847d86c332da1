/*
 * Which wrappers are live: one word per wrapper family, saying which
 * consumers that family feeds. Written once at load by fp_hooks_enable
 * (init.c, from what the started engines asked for), read relaxed by the
 * wrappers on every call: a family with nothing to feed costs a load and
 * a branch. The wrappers know which consumer each bit names; the engines
 * know only which bits they want.
 */
#ifndef FLIGHTPROF_HOOKS_H
#define FLIGHTPROF_HOOKS_H

#include <stdatomic.h>

/* Wrapper families. */
enum fp_hook_family {
    FP_HOOK_ALLOC,   /* interpose_malloc.c: allocations, mmap/munmap */
    FP_HOOK_LOCK,    /* interpose_lock.c: contended lock acquisitions */
    FP_HOOK_WAIT,    /* interpose_wait.c: blocking calls */
    FP_HOOK_PROCESS, /* interpose_process.c: fork and exec */
    FP_HOOK_THREAD,  /* interpose_pthread.c: thread creation */
    FP_HOOK_FAMILIES
};

/* Consumers, as bits of a family's word. */
#define FP_FEED_PROFILE 1u  /* the family's own profile (heap, mutex) */
#define FP_FEED_RECORDER 2u /* the flight recorder */
#define FP_FEED_BLOCK 4u    /* the block profile (lock and wait families) */
#define FP_FEED_STATE 8u    /* the thread registry's wait states (lock and wait) */
#define FP_FEED_BITS 4

/* A request: family `family` feeds `feeds` (FP_FEED_* bits). Engines OR
 * these together. */
#define FP_HOOKS(family, feeds) ((unsigned)(feeds) << (FP_FEED_BITS * (family)))

extern _Atomic unsigned fp_hooks[FP_HOOK_FAMILIES];

/* Makes every family feed what `requests` (FP_HOOKS values ORed) asks.
 * Called once, at load, before the program's threads use the wrappers. */
void fp_hooks_enable(unsigned requests);

/* What `family` feeds: FP_FEED_* bits, 0 when its wrappers are pass-through. */
static inline unsigned fp_hooks_feeds(enum fp_hook_family family)
{
    return atomic_load_explicit(&fp_hooks[family], memory_order_relaxed);
}

#endif
