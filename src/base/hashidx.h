/*
 * Hash indexes: open addressing over the caller's arrays, mapping a key's
 * hash to the position of its entry; the caller compares keys. Not
 * thread-safe; one owner each.
 */
#ifndef FLIGHTPROF_HASHIDX_H
#define FLIGHTPROF_HASHIDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FP_HASHIDX_NONE UINT32_MAX

struct fp_hashidx_slot {
    uint32_t entry; /* FP_HASHIDX_NONE when empty */
    uint32_t hash;
};

struct fp_hashidx {
    struct fp_hashidx_slot *slots;
    size_t mask, n;
};

/* Tells whether entry `entry` of the caller's array has key `key`. */
typedef bool (*fp_hashidx_eq)(const void *ctx, uint32_t entry, const void *key);

/* The entry with hash `hash` and key `key`, or FP_HASHIDX_NONE. */
uint32_t fp_hashidx_find(const struct fp_hashidx *h, uint64_t hash, fp_hashidx_eq eq,
                         const void *ctx, const void *key);

/* Records `entry` under `hash` (the caller checked it is absent).
 * Returns 0 or -1 when out of memory. */
int fp_hashidx_add(struct fp_hashidx *h, uint64_t hash, uint32_t entry);

void fp_hashidx_free(struct fp_hashidx *h);

#endif
