/*
 * The pprof builder's data, shared by the builder (pprof.c, in the
 * preloaded library) and the encoder (pprof_encode.c, in the writer
 * module), which are built from the same sources and so agree on it.
 */
#ifndef FLIGHTPROF_PPROF_INTERNAL_H
#define FLIGHTPROF_PPROF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "hashidx.h"
#include "pprof.h"
#include "strtab.h"

struct value_type {
    int64_t type, unit; /* string indices */
};

/* A distinct address, or a synthetic function (address 0). */
struct location {
    uint64_t addr;
    int64_t synthetic; /* string index of the function name, 0 for none */
};

struct label {
    int64_t key, str, num, num_unit; /* key, str, num_unit: string indices */
};

/* Its values are values[index * ntypes ...]. */
struct sample {
    size_t stack, labels;     /* offsets into the stacks and labels arrays */
    uint32_t depth, nlabels;
};

struct fp_pprof {
    struct fp_strtab strings; /* string 0 is "" */
    struct value_type *types, period_type;
    int ntypes;
    int64_t period, time_nanos, duration_nanos, default_type;
    int64_t *comments;
    size_t ncomments, comments_cap;

    struct location *locations;
    size_t nlocations, locations_cap;
    struct fp_hashidx location_index;

    uint32_t *stacks; /* location indices, innermost first, of every sample */
    size_t nstacks, stacks_cap;
    struct label *labels;
    size_t nlabels, labels_cap;
    int64_t *values;
    size_t values_cap;
    struct sample *samples;
    size_t nsamples, samples_cap;
    struct fp_hashidx sample_index;
};

/* The index of `s` (NULL: "") in the profile's string table, added if
 * new; -1 when out of memory. */
static inline int64_t fp_pprof_intern(struct fp_pprof *p, const char *s)
{
    return fp_strtab_intern(&p->strings, s ? s : "");
}

#endif
