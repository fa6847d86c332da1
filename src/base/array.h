/*
 * Growable arrays: the one growth rule (doubling) of the writer's and the
 * symbolizer's tables.
 */
#ifndef FLIGHTPROF_ARRAY_H
#define FLIGHTPROF_ARRAY_H

#include <stddef.h>

/* Makes room for `need` elements of `size` bytes in the array `*(void **)vp`
 * of capacity `*cap`, doubling it. Returns 0 or -1 when out of memory. */
int fp_array_reserve(void *vp, size_t *cap, size_t need, size_t size);

#endif
