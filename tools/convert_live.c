/*
 * Live heap bytes over a snapshot's window: an open-addressing table
 * (linear probing, backward-shift deletion) from pointer to size.
 * Signal context: none.
 */
#include "convert_live.h"

#include <stdlib.h>

static size_t slot_of(const struct convert_live *live, uint64_t ptr)
{
    return (size_t)((ptr >> 4) * 0x9e3779b97f4a7c15ull) & (live->cap - 1);
}

/* The slot holding `ptr`, or the empty slot where it would go. */
static size_t find(const struct convert_live *live, uint64_t ptr)
{
    size_t i = slot_of(live, ptr);
    while (live->ptrs[i] && live->ptrs[i] != ptr)
        i = (i + 1) & (live->cap - 1);
    return i;
}

static int grow(struct convert_live *live)
{
    struct convert_live bigger = {.cap = live->cap ? live->cap * 2 : 1024, .bytes = live->bytes};
    bigger.ptrs = calloc(bigger.cap, sizeof(*bigger.ptrs));
    bigger.sizes = calloc(bigger.cap, sizeof(*bigger.sizes));
    if (!bigger.ptrs || !bigger.sizes) {
        convert_live_free(&bigger);
        return -1;
    }
    for (size_t i = 0; i < live->cap; i++) {
        if (!live->ptrs[i])
            continue;
        size_t j = find(&bigger, live->ptrs[i]);
        bigger.ptrs[j] = live->ptrs[i];
        bigger.sizes[j] = live->sizes[i];
        bigger.used++;
    }
    convert_live_free(live);
    *live = bigger;
    return 0;
}

int convert_live_add(struct convert_live *live, uint64_t ptr, uint64_t size)
{
    if (!ptr)
        return 0;
    if (2 * (live->used + 1) > live->cap && grow(live) != 0)
        return -1;
    size_t i = find(live, ptr);
    if (live->ptrs[i])
        live->bytes -= live->sizes[i];
    else
        live->used++;
    live->ptrs[i] = ptr;
    live->sizes[i] = size;
    live->bytes += size;
    return 0;
}

void convert_live_remove(struct convert_live *live, uint64_t ptr)
{
    if (!ptr || !live->cap)
        return;
    size_t hole = find(live, ptr);
    if (!live->ptrs[hole])
        return;
    live->bytes -= live->sizes[hole];
    live->used--;
    /* Shift back later entries of the probe run so lookups still find them. */
    for (size_t i = (hole + 1) & (live->cap - 1); live->ptrs[i]; i = (i + 1) & (live->cap - 1)) {
        size_t home = slot_of(live, live->ptrs[i]);
        /* Movable when `home` is not cyclically in (hole, i]. */
        if ((i > hole && (home <= hole || home > i)) || (i < hole && home <= hole && home > i)) {
            live->ptrs[hole] = live->ptrs[i];
            live->sizes[hole] = live->sizes[i];
            hole = i;
        }
    }
    live->ptrs[hole] = 0;
    live->sizes[hole] = 0;
}

void convert_live_free(struct convert_live *live)
{
    free(live->ptrs);
    free(live->sizes);
    live->ptrs = live->sizes = NULL;
    live->cap = live->used = 0;
    live->bytes = 0;
}
