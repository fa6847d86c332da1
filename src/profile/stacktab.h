/*
 * The stack table: CPU samples aggregated by (thread, stack) in memory
 * mapped up front, so that the signal handler adds a sample without
 * allocating or locking. When the table or its frame arena is full, the
 * sample is counted as lost.
 */
#ifndef FLIGHTPROF_STACKTAB_H
#define FLIGHTPROF_STACKTAB_H

#include <stddef.h>
#include <stdint.h>

struct fp_stacktab;

/* Maps a table for `slots` distinct stacks holding `frames` addresses in
 * all. Returns NULL (with errno) if the memory cannot be mapped. */
struct fp_stacktab *fp_stacktab_new(size_t slots, size_t frames);
void fp_stacktab_free(struct fp_stacktab *tab);

/* Adds `count` samples of thread `tid` with stack pcs[0..depth). Lock-free;
 * async-signal-safe. */
void fp_stacktab_add(struct fp_stacktab *tab, int tid, const uintptr_t *pcs, int depth,
                     uint64_t count);

/* A table's counts at one moment, so that later counts can be taken
 * since then: one table serves every window on it (a profile since its
 * start, an endpoint request's seconds) however they overlap. */
struct fp_stacktab_mark {
    uint64_t *counts; /* by the entries' order of creation; fp_mem memory */
    size_t n;
    uint64_t lost;
};

/* Records the table's counts now in *m. Safe while samples are being
 * added; not in a handler (allocates). Returns 0, or -1 with errno. */
int fp_stacktab_mark(struct fp_stacktab *tab, struct fp_stacktab_mark *m);
void fp_stacktab_mark_free(struct fp_stacktab_mark *m);

/* Calls fn once per distinct (tid, stack) with the sum of its counts
 * since the mark `since` (NULL: since the table was made), skipping those
 * with none. Safe while samples are being added (counts are read
 * atomically; an entry still being filled in is skipped). */
void fp_stacktab_foreach(struct fp_stacktab *tab, const struct fp_stacktab_mark *since,
                         void (*fn)(void *arg, int tid, const uintptr_t *pcs, int depth,
                                    uint64_t count),
                         void *arg);

/* Samples that found no room (the sum of their counts) since `since`
 * (NULL: ever). */
uint64_t fp_stacktab_lost(const struct fp_stacktab *tab, const struct fp_stacktab_mark *since);

/* Forgets every sample (in a fork child, where no other thread runs). */
void fp_stacktab_reset(struct fp_stacktab *tab);

#endif
