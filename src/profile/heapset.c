/*
 * The sampled-block set: linear probing over a power-of-two prefix of a
 * reserved mapping (MAP_NORESERVE, so untouched slots cost nothing and a
 * lookup racing a rebuild never reads unmapped memory). Removal leaves a
 * tombstone, so a lookup's probe chain never shortens under it; rebuilds
 * (when blocks and tombstones fill half the table) rehash in
 * place inside a seqlock, into a scratch copy of the live entries.
 *
 * Signal context: none.
 */
#include "heapset.h"

#include <errno.h>
#include <sys/mman.h>

#include "libc.h"

#define EMPTY 0
#define TOMBSTONE 1
#define MIN_SLOTS 1024

static size_t hash_index(uintptr_t ptr, size_t mask)
{
    uint64_t h = fp_heapset_hash(ptr);

    return (size_t)(h ^ (h >> 32)) & mask;
}

/* Adds `delta` (+1 or -1) to ptr's filter bucket. Caller holds the lock. */
static void filter_count(struct fp_heapset *set, uintptr_t ptr, int delta)
{
    _Atomic uint8_t *c = &set->filter[fp_heapset_hash(ptr) >> (64 - FP_HEAPSET_FILTER_BITS)];
    uint8_t v = atomic_load_explicit(c, memory_order_relaxed);

    if (v != UINT8_MAX)
        atomic_store_explicit(c, (uint8_t)(v + delta), memory_order_relaxed);
}

int fp_heapset_init(struct fp_heapset *set, size_t max_slots)
{
    void *mem = fp_libc_mmap(NULL, max_slots * sizeof(struct fp_heapset_slot), PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

    if (mem == MAP_FAILED)
        return -1;
    for (size_t i = 0; i < sizeof(set->filter); i++)
        atomic_init(&set->filter[i], 0);
    set->slots = mem;
    set->max_slots = max_slots;
    atomic_init(&set->seq, 0);
    atomic_init(&set->mask, MIN_SLOTS - 1);
    atomic_init(&set->live, 0);
    set->used = 0;
    return 0;
}

bool fp_heapset_contains(const struct fp_heapset *set, uintptr_t ptr)
{
    if (!fp_heapset_may_contain(set, ptr))
        return false;
    for (;;) {
        unsigned seq = atomic_load_explicit(&set->seq, memory_order_acquire);
        if (seq & 1)
            continue; /* a rebuild is moving entries */
        size_t mask = atomic_load_explicit(&set->mask, memory_order_relaxed);
        bool found = false;
        for (size_t i = hash_index(ptr, mask);; i = (i + 1) & mask) {
            uintptr_t key = atomic_load_explicit(&set->slots[i].key, memory_order_relaxed);
            if (key == EMPTY)
                break;
            if (key == ptr) {
                found = true;
                break;
            }
        }
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&set->seq, memory_order_relaxed) == seq)
            return found;
    }
}

/* Caller holds the lock; the table has an empty slot. */
static void place(struct fp_heapset *set, size_t mask, uintptr_t ptr, uint32_t value)
{
    for (size_t i = hash_index(ptr, mask);; i = (i + 1) & mask) {
        struct fp_heapset_slot *slot = &set->slots[i];
        uintptr_t key = atomic_load_explicit(&slot->key, memory_order_relaxed);
        if (key == EMPTY || key == TOMBSTONE) {
            atomic_store_explicit(&slot->value, value, memory_order_relaxed);
            atomic_store_explicit(&slot->key, ptr, memory_order_release);
            set->used += key == EMPTY;
            return;
        }
    }
}

/* Rehashes the live entries into `new_slots` slots. Returns -1 (set
 * unchanged) if no scratch memory is available. */
static int rebuild(struct fp_heapset *set, size_t new_slots)
{
    size_t old_slots = atomic_load_explicit(&set->mask, memory_order_relaxed) + 1;
    size_t live = fp_heapset_live(set);
    size_t scratch_len = (live ? live : 1) * sizeof(struct fp_heapset_slot);
    struct fp_heapset_slot *scratch = fp_libc_mmap(NULL, scratch_len, PROT_READ | PROT_WRITE,
                                                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    size_t n = 0;

    if (scratch == MAP_FAILED)
        return -1;
    for (size_t i = 0; i < old_slots; i++) {
        uintptr_t key = atomic_load_explicit(&set->slots[i].key, memory_order_relaxed);
        if (key != EMPTY && key != TOMBSTONE) {
            scratch[n].key = key;
            scratch[n++].value = atomic_load_explicit(&set->slots[i].value, memory_order_relaxed);
        }
    }
    unsigned seq = atomic_load_explicit(&set->seq, memory_order_relaxed);
    atomic_store_explicit(&set->seq, seq + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    for (size_t i = 0; i < old_slots; i++)
        atomic_store_explicit(&set->slots[i].key, EMPTY, memory_order_relaxed);
    atomic_store_explicit(&set->mask, new_slots - 1, memory_order_relaxed);
    set->used = 0;
    for (size_t i = 0; i < n; i++)
        place(set, new_slots - 1, scratch[i].key, scratch[i].value);
    atomic_store_explicit(&set->seq, seq + 2, memory_order_release);
    fp_libc_munmap(scratch, scratch_len);
    return 0;
}

/* Keeps the table at most half used (tombstones included) with room for
 * one more block. Returns false if it cannot. */
static bool make_room(struct fp_heapset *set)
{
    size_t slots = atomic_load_explicit(&set->mask, memory_order_relaxed) + 1;

    if ((set->used + 1) * 2 <= slots)
        return true;
    size_t want = slots;
    size_t live = fp_heapset_live(set);

    while ((live + 1) * 4 > want)
        want *= 2;
    if (want > set->max_slots) {
        want = set->max_slots;
        if ((live + 1) * 2 > want)
            return false;
    }
    return rebuild(set, want) == 0;
}

bool fp_heapset_insert(struct fp_heapset *set, uintptr_t ptr, uint32_t value)
{
    if (!make_room(set))
        return false;
    /* The filter counts the block before the block can be looked up. */
    filter_count(set, ptr, 1);
    place(set, atomic_load_explicit(&set->mask, memory_order_relaxed), ptr, value);
    atomic_store_explicit(&set->live, fp_heapset_live(set) + 1, memory_order_relaxed);
    return true;
}

uint32_t fp_heapset_remove(struct fp_heapset *set, uintptr_t ptr)
{
    size_t mask = atomic_load_explicit(&set->mask, memory_order_relaxed);

    for (size_t i = hash_index(ptr, mask);; i = (i + 1) & mask) {
        struct fp_heapset_slot *slot = &set->slots[i];
        uintptr_t key = atomic_load_explicit(&slot->key, memory_order_relaxed);
        if (key == EMPTY)
            return 0;
        if (key == ptr) {
            uint32_t value = atomic_load_explicit(&slot->value, memory_order_relaxed);
            atomic_store_explicit(&slot->key, TOMBSTONE, memory_order_release);
            filter_count(set, ptr, -1);
            atomic_store_explicit(&set->live, fp_heapset_live(set) - 1, memory_order_relaxed);
            return value;
        }
    }
}

size_t fp_heapset_live(const struct fp_heapset *set)
{
    return atomic_load_explicit(&set->live, memory_order_relaxed);
}
