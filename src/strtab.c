/*
 * Open-addressing hash indexes (linear probing, kept at most half full)
 * and interned strings built on them. Owns no global state.
 *
 * Signal context: none.
 */
#include "strtab.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"

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
    struct fp_hashidx_slot *slots = malloc(nslots * sizeof(*slots));

    if (!slots)
        return -1;
    for (size_t i = 0; i < nslots; i++)
        slots[i].entry = FP_HASHIDX_NONE;
    /* Only the low 32 bits of each hash are kept; they pick the slot in
     * tables of up to 2^32 slots, which is all an entry index allows. */
    for (size_t i = 0; h->slots && i <= h->mask; i++)
        if (h->slots[i].entry != FP_HASHIDX_NONE)
            place(slots, nslots - 1, h->slots[i], h->slots[i].hash);
    free(h->slots);
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
    free(h->slots);
    *h = (struct fp_hashidx){0};
}

int fp_array_reserve(void *vp, size_t *cap, size_t need, size_t size)
{
    void **v = vp;

    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need)
        ncap *= 2;
    void *nv = realloc(*v, ncap * size);
    if (!nv)
        return -1;
    *v = nv;
    *cap = ncap;
    return 0;
}

static bool string_eq(const void *ctx, uint32_t entry, const void *key)
{
    const struct fp_strtab *t = ctx;

    return strcmp(t->v[entry], key) == 0;
}

int64_t fp_strtab_intern(struct fp_strtab *t, const char *s)
{
    uint64_t hash = fp_hash_bytes(FP_HASH_SEED, s, strlen(s));
    uint32_t found = fp_hashidx_find(&t->index, hash, string_eq, t, s);

    if (found != FP_HASHIDX_NONE)
        return found;
    if (fp_array_reserve(&t->v, &t->cap, t->n + 1, sizeof(*t->v)) != 0)
        return -1;
    char *copy = strdup(s);
    if (!copy || fp_hashidx_add(&t->index, hash, (uint32_t)t->n) != 0) {
        free(copy);
        return -1;
    }
    t->v[t->n] = copy;
    return (int64_t)t->n++;
}

void fp_strtab_free(struct fp_strtab *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i]);
    free(t->v);
    fp_hashidx_free(&t->index);
    *t = (struct fp_strtab){0};
}
