/*
 * Sampled sites for the heap and mutex profiles: stacks captured at an
 * allocation or a contended lock, each with a tag (the heap profile's
 * block size) and a few counters, in memory reserved up front.
 *
 * Adding sites and counting are serialised by the owner's lock; reading
 * (fp_sitetab_foreach, to write a profile) needs no lock: sites are
 * append-only and counters are read atomically.
 */
#ifndef FLIGHTPROF_SITETAB_H
#define FLIGHTPROF_SITETAB_H

#include <stddef.h>
#include <stdint.h>

#define FP_SITE_COUNTERS 4

struct fp_sitetab;

/* Reserves room for `max_sites` sites holding `max_frames` addresses in
 * all. Returns NULL with errno if the memory cannot be mapped. */
struct fp_sitetab *fp_sitetab_new(size_t max_sites, size_t max_frames);

/* Finds or adds the site (pcs[0..depth), tag); returns its id (>= 1), or 0
 * when the table is full. Caller holds the lock. */
uint32_t fp_sitetab_get(struct fp_sitetab *tab, const uintptr_t *pcs, int depth, uint64_t tag);

/* Adds `delta` to counter `counter` of site `id`. Caller holds the lock. */
void fp_sitetab_count(struct fp_sitetab *tab, uint32_t id, int counter, int64_t delta);

/* How many sites there are (ids 1..n). Lock-free. */
uint32_t fp_sitetab_count_sites(const struct fp_sitetab *tab);

/* The tag of site `id`. */
uint64_t fp_sitetab_tag(const struct fp_sitetab *tab, uint32_t id);

/* Calls fn for every site, in id order, with its id, stack, tag and
 * counters. Lock-free. */
void fp_sitetab_foreach(const struct fp_sitetab *tab,
                        void (*fn)(void *arg, uint32_t id, const uintptr_t *pcs, int depth,
                                   uint64_t tag, const int64_t counters[FP_SITE_COUNTERS]),
                        void *arg);

#endif
