/*
 * The stack table: an open-addressing hash table of (tid, stack) keys with
 * atomic counts, and an arena holding the stacks' addresses. Both live in
 * one anonymous mapping made when profiling starts.
 *
 * A slot goes EMPTY -> FILLING (claimed by one thread with a CAS on its
 * hash) -> READY (key written, published with release). A sample whose
 * hash matches a slot still FILLING does not wait for it: it probes on and
 * may create a second entry for the same stack, which the profile writer
 * merges. No thread ever waits for another, so a handler never spins on a
 * preempted thread.
 *
 * Claimed slots are also listed in `claimed`, so that writing a profile
 * visits only the slots in use instead of faulting in the whole table.
 *
 * Signal context: fp_stacktab_add.
 */
#include "stacktab.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>

#include "hash.h"
#include "libc.h"
#include "mem.h"

#define MAX_PROBES 64

enum slot_state { SLOT_EMPTY, SLOT_FILLING, SLOT_READY };

struct slot {
    _Atomic uint64_t hash;   /* 0 while empty */
    _Atomic uint32_t state;  /* enum slot_state */
    int32_t tid;
    uint32_t depth;
    uint32_t frames_at;      /* index into the arena */
    _Atomic uint64_t count;
};

struct fp_stacktab {
    size_t map_size;
    size_t nslots;           /* a power of two */
    size_t arena_size;       /* in addresses */
    _Atomic size_t arena_used;
    _Atomic uint64_t lost;
    _Atomic size_t nclaimed;
    struct slot *slots;
    _Atomic uint32_t *claimed; /* slot index + 1; 0 until written */
    uintptr_t *arena;
};

/* The header at the start of a zeroed mapping of map_size bytes. */
static void init_header(struct fp_stacktab *tab, size_t map_size, size_t nslots, size_t frames)
{
    tab->map_size = map_size;
    tab->nslots = nslots;
    tab->arena_size = frames;
    tab->slots = (struct slot *)(tab + 1);
    tab->claimed = (_Atomic uint32_t *)(tab->slots + nslots);
    tab->arena = (uintptr_t *)(tab->claimed + nslots);
}

struct fp_stacktab *fp_stacktab_new(size_t slots, size_t frames)
{
    size_t nslots = fp_round_up_pow2(slots);
    size_t size = sizeof(struct fp_stacktab) + nslots * sizeof(struct slot) +
                  nslots * sizeof(uint32_t) + frames * sizeof(uintptr_t);
    /* Untouched pages cost nothing: only slots and frames in use become
     * resident. */
    void *mem = fp_libc_mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

    if (mem == MAP_FAILED)
        return NULL;
    init_header(mem, size, nslots, frames);
    return mem;
}

void fp_stacktab_free(struct fp_stacktab *tab)
{
    if (tab)
        fp_libc_munmap(tab, tab->map_size);
}

/* Never 0, which marks an empty slot. */
static uint64_t hash_key(int tid, const uintptr_t *pcs, int depth)
{
    uint64_t h = fp_hash_pcs((uint64_t)(uint32_t)tid, pcs, depth);

    return h ? h : 1;
}

static bool same_key(const struct fp_stacktab *tab, const struct slot *s, int tid,
                     const uintptr_t *pcs, int depth)
{
    return s->tid == tid && s->depth == (uint32_t)depth &&
           memcmp(&tab->arena[s->frames_at], pcs, (size_t)depth * sizeof(uintptr_t)) == 0;
}

static bool fill_slot(struct fp_stacktab *tab, struct slot *s, int tid, const uintptr_t *pcs,
                      int depth, uint64_t count)
{
    size_t nth = atomic_fetch_add_explicit(&tab->nclaimed, 1, memory_order_relaxed);

    atomic_store_explicit(&tab->claimed[nth], (uint32_t)(s - tab->slots) + 1, memory_order_relaxed);
    size_t at = atomic_fetch_add_explicit(&tab->arena_used, (size_t)depth, memory_order_relaxed);

    if (at + (size_t)depth > tab->arena_size) {
        /* The slot stays claimed but never becomes READY: it is lost. */
        return false;
    }
    memcpy(&tab->arena[at], pcs, (size_t)depth * sizeof(uintptr_t));
    s->tid = tid;
    s->depth = (uint32_t)depth;
    s->frames_at = (uint32_t)at;
    atomic_store_explicit(&s->count, count, memory_order_relaxed);
    atomic_store_explicit(&s->state, SLOT_READY, memory_order_release);
    return true;
}

void fp_stacktab_add(struct fp_stacktab *tab, int tid, const uintptr_t *pcs, int depth,
                     uint64_t count)
{
    uint64_t h = hash_key(tid, pcs, depth);
    size_t mask = tab->nslots - 1;

    for (size_t probe = 0; probe < MAX_PROBES; probe++) {
        struct slot *s = &tab->slots[(h + probe) & mask];
        uint64_t seen = atomic_load_explicit(&s->hash, memory_order_acquire);
        if (seen == 0) {
            uint64_t expected = 0;
            if (atomic_compare_exchange_strong(&s->hash, &expected, h)) {
                if (fill_slot(tab, s, tid, pcs, depth, count))
                    return;
                break;
            }
            seen = expected;
        }
        if (seen == h && atomic_load_explicit(&s->state, memory_order_acquire) == SLOT_READY &&
            same_key(tab, s, tid, pcs, depth)) {
            atomic_fetch_add_explicit(&s->count, count, memory_order_relaxed);
            return;
        }
    }
    atomic_fetch_add_explicit(&tab->lost, count, memory_order_relaxed);
}

/* The count of the entry listed at claimed[i], or false when it has none
 * to give yet (claimed, not yet listed or not yet READY). */
static bool listed_count(struct fp_stacktab *tab, size_t i, struct slot **slot, uint64_t *count)
{
    uint32_t index = atomic_load_explicit(&tab->claimed[i], memory_order_relaxed);

    if (!index)
        return false;
    struct slot *s = &tab->slots[index - 1];
    if (atomic_load_explicit(&s->state, memory_order_acquire) != SLOT_READY)
        return false;
    *slot = s;
    *count = atomic_load_explicit(&s->count, memory_order_relaxed);
    return true;
}

static size_t listed(const struct fp_stacktab *tab)
{
    size_t n = atomic_load_explicit(&((struct fp_stacktab *)tab)->nclaimed, memory_order_relaxed);

    return n < tab->nslots ? n : tab->nslots;
}

int fp_stacktab_mark(struct fp_stacktab *tab, struct fp_stacktab_mark *m)
{
    struct slot *s;

    m->lost = fp_stacktab_lost(tab, NULL);
    m->n = listed(tab);
    m->counts = fp_mem_calloc(m->n ? m->n : 1, sizeof(*m->counts));
    if (!m->counts) {
        m->n = 0;
        return -1;
    }
    /* An entry without a count yet is marked 0: what it gets from now on
     * belongs to the window. */
    for (size_t i = 0; i < m->n; i++)
        if (!listed_count(tab, i, &s, &m->counts[i]))
            m->counts[i] = 0;
    return 0;
}

void fp_stacktab_mark_free(struct fp_stacktab_mark *m)
{
    fp_mem_free(m->counts);
    *m = (struct fp_stacktab_mark){0};
}

void fp_stacktab_foreach(struct fp_stacktab *tab, const struct fp_stacktab_mark *since,
                         void (*fn)(void *arg, int tid, const uintptr_t *pcs, int depth,
                                    uint64_t count),
                         void *arg)
{
    size_t n = listed(tab);
    struct slot *s;
    uint64_t count;

    for (size_t i = 0; i < n; i++) {
        if (!listed_count(tab, i, &s, &count))
            continue;
        if (since && i < since->n)
            count -= since->counts[i];
        if (count)
            fn(arg, s->tid, &tab->arena[s->frames_at], (int)s->depth, count);
    }
}

uint64_t fp_stacktab_lost(const struct fp_stacktab *tab, const struct fp_stacktab_mark *since)
{
    uint64_t lost = atomic_load_explicit(&((struct fp_stacktab *)tab)->lost, memory_order_relaxed);

    return since ? lost - since->lost : lost;
}

/* A fork child shares the parent's table pages copy-on-write: writing
 * zeros into every used slot would copy each page only to clear it, where
 * dropping the pages costs one call and leaves zero-filled ones. Memory
 * the program locked (mlockall) cannot be dropped; then the used slots
 * are cleared one by one. */
void fp_stacktab_reset(struct fp_stacktab *tab)
{
    size_t map_size = tab->map_size, nslots = tab->nslots, frames = tab->arena_size;

    if (madvise(tab, map_size, MADV_DONTNEED) == 0) {
        init_header(tab, map_size, nslots, frames);
        return;
    }
    size_t n = atomic_load(&tab->nclaimed);
    /* Only claimed slots were ever written. */
    for (size_t i = 0; i < n && i < tab->nslots; i++) {
        uint32_t index = atomic_load(&tab->claimed[i]);
        if (index)
            memset(&tab->slots[index - 1], 0, sizeof(struct slot));
        atomic_store(&tab->claimed[i], 0);
    }
    atomic_store(&tab->nclaimed, 0);
    atomic_store(&tab->arena_used, 0);
    atomic_store(&tab->lost, 0);
}
