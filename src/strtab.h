/*
 * Hash indexes and interned strings for the profile writer and the
 * symbolizer: entries live in the caller's arrays, the index maps a key to
 * the entry's position. Not thread-safe; one owner each.
 */
#ifndef FLIGHTPROF_STRTAB_H
#define FLIGHTPROF_STRTAB_H

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

/* Makes room for `need` elements of `size` bytes in the array `*(void **)vp`
 * of capacity `*cap`, doubling it. Returns 0 or -1 when out of memory. */
int fp_array_reserve(void *vp, size_t *cap, size_t need, size_t size);

/* Interned strings: each distinct string once, with a dense index in
 * order of first appearance. */
struct fp_strtab {
    char **v;
    size_t n, cap;
    struct fp_hashidx index;
};

/* The index of `s`, adding a copy when new; -1 when out of memory. */
int64_t fp_strtab_intern(struct fp_strtab *t, const char *s);

/* String `i` (stable until fp_strtab_free). */
static inline const char *fp_strtab_get(const struct fp_strtab *t, int64_t i)
{
    return t->v[i];
}

void fp_strtab_free(struct fp_strtab *t);

#endif
