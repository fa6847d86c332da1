/*
 * The pprof profile builder: samples merged by stack and labels in hash
 * tables while a profile is collected (encoded by pprof_encode.c). Each
 * builder belongs to one thread.
 *
 * Signal context: none.
 */
#include "pprof.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "hash.h"
#include "mem.h"
#include "pprof_internal.h"

/* ---- building --------------------------------------------------------- */

static int intern_type(struct fp_pprof *p, struct fp_pprof_value_type in, struct value_type *out)
{
    out->type = fp_pprof_intern(p, in.type);
    out->unit = fp_pprof_intern(p, in.unit);
    return out->type < 0 || out->unit < 0 ? -1 : 0;
}

struct fp_pprof *fp_pprof_new(const struct fp_pprof_value_type *types, int ntypes,
                              struct fp_pprof_value_type period_type, int64_t period)
{
    struct fp_pprof *p = fp_mem_calloc(1, sizeof(*p));
    int failed = !p || ntypes <= 0;

    if (!failed) {
        p->types = fp_mem_calloc((size_t)ntypes, sizeof(*p->types));
        p->ntypes = ntypes;
        p->period = period;
        failed = !p->types || fp_pprof_intern(p, "") != 0 ||
                 intern_type(p, period_type, &p->period_type) != 0;
    }
    for (int i = 0; !failed && i < ntypes; i++)
        failed = intern_type(p, types[i], &p->types[i]) != 0;
    if (failed) {
        fp_pprof_free(p);
        return NULL;
    }
    return p;
}

void fp_pprof_set_time(struct fp_pprof *p, int64_t time_nanos, int64_t duration_nanos)
{
    p->time_nanos = time_nanos;
    p->duration_nanos = duration_nanos;
}

void fp_pprof_set_default_sample_type(struct fp_pprof *p, const char *type)
{
    int64_t s = fp_pprof_intern(p, type);

    p->default_type = s > 0 ? s : 0;
}

void fp_pprof_add_comment(struct fp_pprof *p, const char *comment)
{
    int64_t s = fp_pprof_intern(p, comment);

    if (s >= 0 && fp_array_reserve(&p->comments, &p->comments_cap, p->ncomments + 1,
                                   sizeof(*p->comments)) == 0)
        p->comments[p->ncomments++] = s;
}

static bool location_eq(const void *ctx, uint32_t entry, const void *key)
{
    const struct fp_pprof *p = ctx;

    return memcmp(&p->locations[entry], key, sizeof(struct location)) == 0;
}

/* The index of the location for `addr` (or the synthetic function), or -1. */
static int64_t location_index(struct fp_pprof *p, uint64_t addr, int64_t synthetic)
{
    struct location key = {addr, synthetic};
    uint64_t hash = fp_hash_bytes(FP_HASH_SEED, &key, sizeof(key));
    uint32_t found = fp_hashidx_find(&p->location_index, hash, location_eq, p, &key);

    if (found != FP_HASHIDX_NONE)
        return found;
    if (fp_array_reserve(&p->locations, &p->locations_cap, p->nlocations + 1,
                         sizeof(*p->locations)) != 0 ||
        fp_hashidx_add(&p->location_index, hash, (uint32_t)p->nlocations) != 0)
        return -1;
    p->locations[p->nlocations] = key;
    return (int64_t)p->nlocations++;
}

static bool sample_eq(const void *ctx, uint32_t entry, const void *key)
{
    const struct fp_pprof *p = ctx;
    const struct sample *a = &p->samples[entry], *b = key;

    return a->depth == b->depth && a->nlabels == b->nlabels &&
           memcmp(&p->stacks[a->stack], &p->stacks[b->stack], a->depth * sizeof(*p->stacks)) == 0 &&
           memcmp(&p->labels[a->labels], &p->labels[b->labels], a->nlabels * sizeof(*p->labels)) == 0;
}

/* Appends the stack (`addrs`, or the synthetic function) and the labels of
 * a new sample to the shared arrays, described by `s`. */
static int append_stack_and_labels(struct fp_pprof *p, const uint64_t *addrs, int naddrs,
                                   int64_t synthetic, const struct fp_pprof_label *labels,
                                   int nlabels, struct sample *s)
{
    size_t depth = synthetic ? 1 : (size_t)naddrs;

    *s = (struct sample){.stack = p->nstacks, .labels = p->nlabels,
                         .depth = (uint32_t)depth, .nlabels = (uint32_t)nlabels};
    if (fp_array_reserve(&p->stacks, &p->stacks_cap, p->nstacks + depth, sizeof(*p->stacks)) != 0 ||
        fp_array_reserve(&p->labels, &p->labels_cap, p->nlabels + (size_t)nlabels,
                         sizeof(*p->labels)) != 0)
        return -1;
    for (size_t i = 0; i < depth; i++) {
        int64_t loc = location_index(p, synthetic ? 0 : addrs[i], synthetic);
        if (loc < 0)
            return -1;
        p->stacks[p->nstacks++] = (uint32_t)loc;
    }
    for (int i = 0; i < nlabels; i++) {
        const struct fp_pprof_label *in = &labels[i];
        struct label l = {
            .key = fp_pprof_intern(p, in->key),
            .str = in->str ? fp_pprof_intern(p, in->str) : 0,
            .num = in->str ? 0 : in->num,
            .num_unit = in->str ? 0 : fp_pprof_intern(p, in->num_unit),
        };
        if (l.key < 0 || l.str < 0 || l.num_unit < 0)
            return -1;
        p->labels[p->nlabels++] = l;
    }
    return 0;
}

static int add_values(struct fp_pprof *p, const int64_t *values, struct sample *s)
{
    if (fp_array_reserve(&p->samples, &p->samples_cap, p->nsamples + 1, sizeof(*p->samples)) != 0 ||
        fp_array_reserve(&p->values, &p->values_cap, (p->nsamples + 1) * (size_t)p->ntypes,
                         sizeof(*p->values)) != 0)
        return -1;
    p->samples[p->nsamples] = *s;
    memcpy(&p->values[p->nsamples * (size_t)p->ntypes], values, (size_t)p->ntypes * sizeof(*values));
    p->nsamples++;
    return 0;
}

static int add(struct fp_pprof *p, const uint64_t *addrs, int naddrs, int64_t synthetic,
               const int64_t *values, const struct fp_pprof_label *labels, int nlabels)
{
    size_t stacks_before = p->nstacks, labels_before = p->nlabels;
    struct sample s;

    if (append_stack_and_labels(p, addrs, naddrs, synthetic, labels, nlabels, &s) != 0)
        goto undo;
    uint64_t hash = fp_hash_bytes(FP_HASH_SEED, &p->stacks[s.stack], s.depth * sizeof(*p->stacks));
    hash = fp_hash_bytes(hash, &p->labels[s.labels], s.nlabels * sizeof(*p->labels));
    uint32_t found = fp_hashidx_find(&p->sample_index, hash, sample_eq, p, &s);
    if (found != FP_HASHIDX_NONE) {
        for (int i = 0; i < p->ntypes; i++)
            p->values[found * (size_t)p->ntypes + (size_t)i] += values[i];
        p->nstacks = stacks_before;
        p->nlabels = labels_before;
        return 0;
    }
    if (add_values(p, values, &s) == 0) {
        if (fp_hashidx_add(&p->sample_index, hash, (uint32_t)(p->nsamples - 1)) == 0)
            return 0;
        p->nsamples--;
    }
undo:
    p->nstacks = stacks_before;
    p->nlabels = labels_before;
    errno = ENOMEM;
    return -1;
}

int fp_pprof_add_sample(struct fp_pprof *p, const uint64_t *addrs, int naddrs,
                        const int64_t *values, const struct fp_pprof_label *labels, int nlabels)
{
    return add(p, addrs, naddrs, 0, values, labels, nlabels);
}

int fp_pprof_add_synthetic_sample(struct fp_pprof *p, const char *name, const int64_t *values,
                                  const struct fp_pprof_label *labels, int nlabels)
{
    int64_t s = fp_pprof_intern(p, name);

    if (s <= 0) {
        errno = s < 0 ? ENOMEM : EINVAL;
        return -1;
    }
    return add(p, NULL, 0, s, values, labels, nlabels);
}

void fp_pprof_free(struct fp_pprof *p)
{
    if (!p)
        return;
    fp_strtab_free(&p->strings);
    fp_mem_free(p->types);
    fp_mem_free(p->comments);
    fp_mem_free(p->locations);
    fp_hashidx_free(&p->location_index);
    fp_mem_free(p->stacks);
    fp_mem_free(p->labels);
    fp_mem_free(p->values);
    fp_mem_free(p->samples);
    fp_hashidx_free(&p->sample_index);
    fp_mem_free(p);
}
