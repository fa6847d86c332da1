/*
 * The site table: an append-only array of sites and a frame arena, with an
 * open-addressing index of site ids, all in one reserved mapping
 * (MAP_NORESERVE: only what is used is ever touched). A site's stack and
 * tag are written before the site count is published (release), so a
 * reader that loads the count (acquire) sees complete sites.
 *
 * Signal context: none.
 */
#include "sitetab.h"

#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>

#include "hash.h"
#include "libc.h"

struct site {
    uint64_t hash;
    uint64_t tag;
    uint32_t first_frame;
    uint32_t depth;
    _Atomic int64_t counters[FP_SITE_COUNTERS];
};

struct fp_sitetab {
    struct site *sites;   /* sites[1..nsites]; 0 is never used */
    uintptr_t *frames;
    uint32_t *index;      /* site ids, 0 = empty; index_mask + 1 slots */
    size_t max_sites, max_frames, index_mask;
    _Atomic uint32_t nsites; /* published count (written under the lock) */
    size_t used_frames;      /* under the lock */
};

struct fp_sitetab *fp_sitetab_new(size_t max_sites, size_t max_frames)
{
    size_t index_slots = fp_round_up_pow2(max_sites * 2);
    size_t len = sizeof(struct fp_sitetab) + (max_sites + 1) * sizeof(struct site) +
                 max_frames * sizeof(uintptr_t) + index_slots * sizeof(uint32_t);
    char *mem = fp_libc_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                             -1, 0);

    if (mem == MAP_FAILED)
        return NULL;
    struct fp_sitetab *tab = (struct fp_sitetab *)mem;
    mem += sizeof(*tab);
    tab->sites = (struct site *)mem;
    mem += (max_sites + 1) * sizeof(struct site);
    tab->frames = (uintptr_t *)mem;
    mem += max_frames * sizeof(uintptr_t);
    tab->index = (uint32_t *)mem;
    tab->max_sites = max_sites;
    tab->max_frames = max_frames;
    tab->index_mask = index_slots - 1;
    return tab;
}

static uint64_t hash_site(const uintptr_t *pcs, int depth, uint64_t tag)
{
    return fp_hash_pcs(tag, pcs, depth);
}

static int same_site(const struct fp_sitetab *tab, const struct site *s, uint64_t hash,
                     const uintptr_t *pcs, int depth, uint64_t tag)
{
    return s->hash == hash && s->tag == tag && s->depth == (uint32_t)depth &&
           memcmp(&tab->frames[s->first_frame], pcs, (size_t)depth * sizeof(*pcs)) == 0;
}

uint32_t fp_sitetab_get(struct fp_sitetab *tab, const uintptr_t *pcs, int depth, uint64_t tag)
{
    uint64_t hash = hash_site(pcs, depth, tag);
    size_t i = (size_t)hash & tab->index_mask;

    for (;; i = (i + 1) & tab->index_mask) {
        uint32_t id = tab->index[i];
        if (!id)
            break;
        if (same_site(tab, &tab->sites[id], hash, pcs, depth, tag))
            return id;
    }
    uint32_t n = atomic_load_explicit(&tab->nsites, memory_order_relaxed);
    if (n >= tab->max_sites || tab->used_frames + (size_t)depth > tab->max_frames)
        return 0;
    struct site *s = &tab->sites[n + 1];
    s->hash = hash;
    s->tag = tag;
    s->first_frame = (uint32_t)tab->used_frames;
    s->depth = (uint32_t)depth;
    memcpy(&tab->frames[tab->used_frames], pcs, (size_t)depth * sizeof(*pcs));
    tab->used_frames += (size_t)depth;
    tab->index[i] = n + 1;
    atomic_store_explicit(&tab->nsites, n + 1, memory_order_release);
    return n + 1;
}

void fp_sitetab_count(struct fp_sitetab *tab, uint32_t id, int counter, int64_t delta)
{
    _Atomic int64_t *c = &tab->sites[id].counters[counter];

    /* Only the lock holder writes: a plain read-modify-write suffices, the
     * atomic store keeps lock-free readers from seeing a torn value. */
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + delta,
                          memory_order_relaxed);
}

uint64_t fp_sitetab_tag(const struct fp_sitetab *tab, uint32_t id)
{
    return tab->sites[id].tag;
}

uint32_t fp_sitetab_count_sites(const struct fp_sitetab *tab)
{
    return atomic_load_explicit(&((struct fp_sitetab *)tab)->nsites, memory_order_acquire);
}

void fp_sitetab_foreach(const struct fp_sitetab *tab,
                        void (*fn)(void *arg, uint32_t id, const uintptr_t *pcs, int depth,
                                   uint64_t tag, const int64_t counters[FP_SITE_COUNTERS]),
                        void *arg)
{
    uint32_t n = fp_sitetab_count_sites(tab);

    for (uint32_t id = 1; id <= n; id++) {
        const struct site *s = &tab->sites[id];
        int64_t counters[FP_SITE_COUNTERS];
        for (int c = 0; c < FP_SITE_COUNTERS; c++)
            counters[c] = atomic_load_explicit(&s->counters[c], memory_order_relaxed);
        fn(arg, id, &tab->frames[s->first_frame], (int)s->depth, s->tag, counters);
    }
}
