/*
 * Reading pprof profiles back (gzip or raw protobuf), for the CLI's
 * summaries. Tests check profiles with `go tool pprof`, not with this.
 */
#ifndef FLIGHTPROF_PPROF_READ_H
#define FLIGHTPROF_PPROF_READ_H

#include <stddef.h>
#include <stdint.h>

struct fp_pprof_top_entry {
    char *function;  /* malloc'd */
    int64_t flat;    /* sum of the sample_index value where it is the leaf */
    int64_t cum;     /* ... where it is anywhere in the stack (once per sample) */
};

struct fp_pprof_summary {
    char *sample_type;        /* name of the summarised sample type */
    char *unit;
    int64_t total;            /* sum over all samples */
    size_t nsamples;          /* number of Sample messages */
    struct fp_pprof_top_entry *top; /* sorted by flat, descending */
    size_t ntop;
};

/*
 * Reads the profile at `path` and summarises sample type `sample_type`
 * (NULL: the default sample type, else the last one, as pprof does),
 * keeping the `ntop` functions with the most flat value. Returns 0, or -1
 * with a message in `err` (errlen bytes) for an unreadable or invalid file.
 */
int fp_pprof_summarize(const char *path, const char *sample_type, size_t ntop,
                       struct fp_pprof_summary *out, char *err, size_t errlen);

void fp_pprof_summary_free(struct fp_pprof_summary *s);

#endif
