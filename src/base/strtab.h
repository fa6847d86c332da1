/*
 * Interned strings for the profile writer and the symbolizer: each
 * distinct string once, with a dense index in order of first appearance.
 * Not thread-safe; one owner each.
 */
#ifndef FLIGHTPROF_STRTAB_H
#define FLIGHTPROF_STRTAB_H

#include <stddef.h>
#include <stdint.h>

#include "hashidx.h"

struct fp_strtab {
    char **v;
    size_t n, cap;
    struct fp_hashidx index;
};

/* The index of `s`, adding a copy when new; -1 when out of memory. */
int64_t fp_strtab_intern(struct fp_strtab *t, const char *s);

/* String `i` (stable until fp_strtab_free). */
static inline const char *fp_strtab_get(const struct fp_strtab *t, int64_t i)
{
    return t->v[i];
}

void fp_strtab_free(struct fp_strtab *t);

#endif
