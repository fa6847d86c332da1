/*
 * The hashes flightprof's tables use: FNV-1a over bytes (also the symbol
 * cache's on-disk check, so it must not change), FNV-1a over a stack of
 * addresses (the sample and site tables), and the power-of-two sizes of
 * open-addressing tables.
 *
 * Signal context: every function (arithmetic only).
 */
#ifndef FLIGHTPROF_HASH_H
#define FLIGHTPROF_HASH_H

#include <stddef.h>
#include <stdint.h>

#define FP_HASH_SEED 14695981039346656037ull /* FNV-1a's offset basis */
#define FP_HASH_PRIME 1099511628211ull

/* FNV-1a over `len` bytes, continuing from `hash` (start with
 * FP_HASH_SEED). */
static inline uint64_t fp_hash_bytes(uint64_t hash, const void *data, size_t len)
{
    const unsigned char *p = data;

    for (size_t i = 0; i < len; i++) {
        hash ^= p[i];
        hash *= FP_HASH_PRIME;
    }
    return hash;
}

/* The hash of one 64-bit key (an address, an offset). */
static inline uint64_t fp_hash_u64(uint64_t key)
{
    return fp_hash_bytes(FP_HASH_SEED, &key, sizeof(key));
}

/* FNV-1a over `depth` addresses a word at a time, starting from
 * FP_HASH_SEED mixed with `key` (a thread, a tag). The high bits are
 * folded in last: tables index by the low ones. */
static inline uint64_t fp_hash_pcs(uint64_t key, const uintptr_t *pcs, int depth)
{
    uint64_t h = FP_HASH_SEED ^ key;

    for (int i = 0; i < depth; i++) {
        h ^= (uint64_t)pcs[i];
        h *= FP_HASH_PRIME;
    }
    return h ^ (h >> 29);
}

/* The smallest power of two >= n (1 for 0). */
static inline size_t fp_round_up_pow2(size_t n)
{
    size_t p = 1;

    while (p < n)
        p <<= 1;
    return p;
}

#endif
