/*
 * Live heap bytes over a snapshot's window: a table from pointer to size
 * of the allocations seen in the window. Frees of memory allocated before
 * the window are unknown to it, so the value counts the bytes allocated
 * within the window and still live.
 * Signal context: none.
 */
#ifndef FLIGHTPROF_CONVERT_LIVE_H
#define FLIGHTPROF_CONVERT_LIVE_H

#include <stddef.h>
#include <stdint.h>

struct convert_live {
    uint64_t *ptrs;  /* 0: empty slot */
    uint64_t *sizes;
    size_t cap, used;
    uint64_t bytes;  /* sum of sizes */
};

/* Records an allocation (replacing any entry for the same pointer).
 * Returns 0, or -1 out of memory. A null pointer is ignored. */
int convert_live_add(struct convert_live *live, uint64_t ptr, uint64_t size);
/* Forgets the allocation at `ptr`, if known. */
void convert_live_remove(struct convert_live *live, uint64_t ptr);
void convert_live_free(struct convert_live *live);

#endif
