/*
 * The set of sampled heap blocks: block address -> a nonzero value (the
 * heap profile's site), in an open-addressing table reserved up front.
 *
 * Lookups are lock-free, so that free() of an unsampled block never takes
 * a lock; inserts and removals are serialised by the caller's lock. Slots
 * are emptied only when the table is rebuilt (to drop tombstones or to
 * grow), under a sequence counter that lookups check and retry on.
 *
 * In front of the table, a counting filter (one byte per hash bucket,
 * L1-sized) answers "certainly absent" for almost every unsampled block
 * with one load, however many sampled blocks are in use.
 */
#ifndef FLIGHTPROF_HEAPSET_H
#define FLIGHTPROF_HEAPSET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fp_heapset_slot {
    _Atomic uintptr_t key; /* 0 empty, 1 tombstone, else a block address */
    _Atomic uint32_t value;
};

#define FP_HEAPSET_FILTER_BITS 12

struct fp_heapset {
    /* Blocks per filter bucket, saturating at 255 (then never decremented).
     * Written under the lock, read by anyone. */
    _Alignas(64) _Atomic uint8_t filter[1u << FP_HEAPSET_FILTER_BITS];
    struct fp_heapset_slot *slots; /* max_slots reserved, `mask + 1` used */
    size_t max_slots;
    /* Odd while a rebuild runs. Written by the caller holding the lock,
     * read by lookups. */
    _Atomic unsigned seq;
    _Atomic size_t mask;
    _Atomic size_t live; /* blocks (written under the lock, read by anyone) */
    size_t used;         /* blocks + tombstones (under the lock) */
};

/* Reserves room for up to max_slots / 2 blocks (max_slots a power of
 * two). Returns 0, or -1 with errno. */
int fp_heapset_init(struct fp_heapset *set, size_t max_slots);

static inline uint64_t fp_heapset_hash(uintptr_t ptr)
{
    return (uint64_t)ptr * 0x9e3779b97f4a7c15ull;
}

/* False if `ptr` is certainly not in the set; true if it may be. */
static inline bool fp_heapset_may_contain(const struct fp_heapset *set, uintptr_t ptr)
{
    size_t bucket = (size_t)(fp_heapset_hash(ptr) >> (64 - FP_HEAPSET_FILTER_BITS));

    return atomic_load_explicit(&set->filter[bucket], memory_order_relaxed) != 0;
}

/* True if `ptr` is in the set. Lock-free; correct for blocks the calling
 * thread owns (inserted before it got them, removed only by it). */
bool fp_heapset_contains(const struct fp_heapset *set, uintptr_t ptr);

/* Adds `ptr` -> value (value != 0). Returns false when the set is full.
 * Caller holds the lock. */
bool fp_heapset_insert(struct fp_heapset *set, uintptr_t ptr, uint32_t value);

/* Removes `ptr`, returning its value, or 0 if absent. Caller holds the
 * lock. */
uint32_t fp_heapset_remove(struct fp_heapset *set, uintptr_t ptr);

/* Blocks in the set (a relaxed read from any thread). */
size_t fp_heapset_live(const struct fp_heapset *set);

#endif
