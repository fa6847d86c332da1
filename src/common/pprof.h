/*
 * Building pprof profiles (perftools.profiles.Profile) from stacks of
 * location addresses; pprof_encode.h symbolizes and writes them. One
 * builder per profile; not for signal handlers.
 */
#ifndef FLIGHTPROF_PPROF_H
#define FLIGHTPROF_PPROF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fp_pprof;

struct fp_pprof_value_type {
    const char *type, *unit; /* e.g. "cpu", "nanoseconds" */
};

/* A sample label: a string label when `str` is set, else numeric. pprof
 * drops a numeric label whose num is 0 and that has no num_unit. */
struct fp_pprof_label {
    const char *key;
    const char *str;
    int64_t num;
    const char *num_unit; /* e.g. "bytes"; may be NULL */
};

/* Creates a builder with `ntypes` sample types and the period. Strings are
 * copied. Returns NULL on allocation failure. */
struct fp_pprof *fp_pprof_new(const struct fp_pprof_value_type *types, int ntypes,
                              struct fp_pprof_value_type period_type, int64_t period);

void fp_pprof_set_time(struct fp_pprof *p, int64_t time_nanos, int64_t duration_nanos);
/* `type` must be one of the sample types' names. */
void fp_pprof_set_default_sample_type(struct fp_pprof *p, const char *type);
void fp_pprof_add_comment(struct fp_pprof *p, const char *comment);

/*
 * Adds a sample: `addrs` are location addresses, innermost first (see
 * fp_unwind_to_locations); `values` has one entry per sample type. Samples
 * with the same stack and labels are merged by adding their values.
 * Returns 0 or -1 (out of memory).
 */
int fp_pprof_add_sample(struct fp_pprof *p, const uint64_t *addrs, int naddrs,
                        const int64_t *values, const struct fp_pprof_label *labels, int nlabels);

/*
 * Adds a sample whose single frame is a synthetic function `name` with no
 * address, such as "[flightprof: lost samples]".
 */
int fp_pprof_add_synthetic_sample(struct fp_pprof *p, const char *name, const int64_t *values,
                                  const struct fp_pprof_label *labels, int nlabels);

void fp_pprof_free(struct fp_pprof *p);


#endif
