/*
 * Open-addressing hash indexes (linear probing, kept at most half full).
 * Owns no global state.
 *
 * Signal context: none.
 */
#include "hashidx.h"

#include <stdlib.h>

#include "mem.h"

#define MIN_SLOTS 64

uint32_t fp_hashidx_find(const struct fp_hashidx *h, uint64_t hash, fp_hashidx_eq eq,
                         const void *ctx, const void *key)
{
    if (!h->slots)
        return FP_HASHIDX_NONE;
    for (size_t i = hash & h->mask;; i = (i + 1) & h->mask) {
        const struct fp_hashidx_slot *s = &h->slots[i];
        if (s->entry == FP_HASHIDX_NONE)
            return FP_HASHIDX_NONE;
        if (s->hash == (uint32_t)hash && eq(ctx, s->entry, key))
            return s->entry;
    }
}

static void place(struct fp_hashidx_slot *slots, size_t mask, struct fp_hashidx_slot s,
                  uint64_t hash)
{
    size_t i = hash & mask;

    while (slots[i].entry != FP_HASHIDX_NONE)
        i = (i + 1) & mask;
    slots[i] = s;
}

static int grow(struct fp_hashidx *h)
{
    size_t nslots = h->slots ? 2 * (h->mask + 1) : MIN_SLOTS;
    struct fp_hashidx_slot *slots = fp_mem_alloc(nslots * sizeof(*slots));

    if (!slots)
        return -1;
    for (size_t i = 0; i < nslots; i++)
        slots[i].entry = FP_HASHIDX_NONE;
    /* Only the low 32 bits of each hash are kept; they pick the slot in
     * tables of up to 2^32 slots, which is all an entry index allows. */
    for (size_t i = 0; h->slots && i <= h->mask; i++)
        if (h->slots[i].entry != FP_HASHIDX_NONE)
            place(slots, nslots - 1, h->slots[i], h->slots[i].hash);
    fp_mem_free(h->slots);
    h->slots = slots;
    h->mask = nslots - 1;
    return 0;
}

int fp_hashidx_add(struct fp_hashidx *h, uint64_t hash, uint32_t entry)
{
    if ((!h->slots || 2 * (h->n + 1) > h->mask + 1) && grow(h) != 0)
        return -1;
    place(h->slots, h->mask, (struct fp_hashidx_slot){entry, (uint32_t)hash}, (uint32_t)hash);
    h->n++;
    return 0;
}

void fp_hashidx_free(struct fp_hashidx *h)
{
    fp_mem_free(h->slots);
    *h = (struct fp_hashidx){0};
}
