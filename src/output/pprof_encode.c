/*
 * pprof encoding: symbolizes a builder's locations, fills the protobuf-c
 * messages of perftools.profiles.Profile, packs and gzips them, and
 * writes the result atomically. Part of the writer module (and of the
 * CLI), never of the preloaded library itself: it needs libdw, libelf,
 * protobuf-c and zlib.
 *
 * Signal context: none.
 */
#include "pprof_encode.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "array.h"
#include "hash.h"
#include "hashidx.h"
#include "mem.h"
#include "outfile.h"
#include "pprof_internal.h"
#include "proto/profile.pb-c.h"
#include "symbolize.h"



/* ---- encoding --------------------------------------------------------- */

struct function_key {
    int64_t name, system_name, filename, start_line;
};

/* What encoding builds next to the builder: symbolized Lines and Functions,
 * and the protobuf-c messages pointing into these arrays. */
struct encoder {
    struct fp_pprof *p;
    const struct fp_maps *maps;
    struct fp_symbolizer *sym;
    struct function_key *functions;
    size_t nfunctions, functions_cap;
    struct fp_hashidx function_index;
    Perftools__Profiles__Line *lines; /* every Location's, in order */
    size_t nlines, lines_cap;
    size_t *first_line;               /* per location */
    Perftools__Profiles__Location *locations;
    Perftools__Profiles__Mapping *mappings;
    Perftools__Profiles__Function *function_msgs;
    Perftools__Profiles__Sample *samples;
    Perftools__Profiles__Label *labels;
    uint64_t *location_ids;
    Perftools__Profiles__ValueType *types;
    Perftools__Profiles__ValueType period_type;
    void **pointers; /* the repeated-message pointer arrays, in one block */
};

static bool function_eq(const void *ctx, uint32_t entry, const void *key)
{
    const struct encoder *e = ctx;

    return memcmp(&e->functions[entry], key, sizeof(struct function_key)) == 0;
}

/* The ID of the Function `key`, adding it when new; 0 when out of memory. */
static uint64_t function_id(struct encoder *e, const struct function_key *key)
{
    uint64_t hash = fp_hash_bytes(FP_HASH_SEED, key, sizeof(*key));
    uint32_t found = fp_hashidx_find(&e->function_index, hash, function_eq, e, key);

    if (found != FP_HASHIDX_NONE)
        return found + 1;
    if (key->name < 0 || key->system_name < 0 || key->filename < 0 ||
        fp_array_reserve(&e->functions, &e->functions_cap, e->nfunctions + 1,
                         sizeof(*e->functions)) != 0 ||
        fp_hashidx_add(&e->function_index, hash, (uint32_t)e->nfunctions) != 0)
        return 0;
    e->functions[e->nfunctions++] = *key;
    return e->nfunctions;
}

static int add_line(struct encoder *e, const struct function_key *key, int64_t line)
{
    uint64_t id = function_id(e, key);

    if (!id || fp_array_reserve(&e->lines, &e->lines_cap, e->nlines + 1, sizeof(*e->lines)) != 0)
        return -1;
    Perftools__Profiles__Line *l = &e->lines[e->nlines++];
    *l = (Perftools__Profiles__Line)PERFTOOLS__PROFILES__LINE__INIT;
    l->function_id = id;
    l->line = line;
    return 0;
}

/* Symbolizes location `i` into Lines, innermost first, and fills in its
 * Location message but for the Line pointers (the array still grows). */
static int symbolize_location(struct encoder *e, size_t i)
{
    struct fp_pprof *p = e->p;
    const struct location *loc = &p->locations[i];
    Perftools__Profiles__Location *msg = &e->locations[i];

    *msg = (Perftools__Profiles__Location)PERFTOOLS__PROFILES__LOCATION__INIT;
    msg->id = i + 1;
    e->first_line[i] = e->nlines;
    if (loc->synthetic) {
        struct function_key key = {loc->synthetic, loc->synthetic, 0, 0};
        msg->n_line = 1;
        return add_line(e, &key, 0);
    }
    msg->address = loc->addr;
    const struct fp_mapping *m = fp_maps_find(e->maps, loc->addr);
    msg->mapping_id = m ? (uint64_t)(m - e->maps->v) + 1 : 0;
    struct fp_frame frames[FP_INLINE_FRAMES_MAX];
    int n = e->sym ? fp_symbolize(e->sym, loc->addr, frames, FP_INLINE_FRAMES_MAX) : 0;
    for (int f = 0; f < n; f++) {
        struct function_key key = {
            .name = fp_pprof_intern(p, frames[f].function),
            .system_name = fp_pprof_intern(p, frames[f].system_name),
            .filename = fp_pprof_intern(p, frames[f].file),
            .start_line = frames[f].start_line,
        };
        if (add_line(e, &key, frames[f].line) != 0)
            return -1;
    }
    msg->n_line = (size_t)n;
    return 0;
}

static void fill_mapping(struct encoder *e, size_t i)
{
    const struct fp_mapping *m = &e->maps->v[i];
    Perftools__Profiles__Mapping *msg = &e->mappings[i];
    struct fp_mapping_symbols found = e->sym ? fp_symbolizer_mapping(e->sym, i)
                                             : (struct fp_mapping_symbols){0};

    *msg = (Perftools__Profiles__Mapping)PERFTOOLS__PROFILES__MAPPING__INIT;
    msg->id = i + 1;
    msg->memory_start = m->start;
    msg->memory_limit = m->limit;
    msg->file_offset = m->offset;
    msg->filename = fp_pprof_intern(e->p, m->path);
    msg->build_id = fp_pprof_intern(e->p, m->build_id);
    msg->has_functions = found.has_functions;
    msg->has_filenames = found.has_filenames;
    msg->has_line_numbers = found.has_line_numbers;
    msg->has_inline_frames = found.has_inline_frames;
}

static void fill_sample(struct encoder *e, size_t i, Perftools__Profiles__Label **label_ptrs)
{
    const struct fp_pprof *p = e->p;
    const struct sample *s = &p->samples[i];
    Perftools__Profiles__Sample *msg = &e->samples[i];

    *msg = (Perftools__Profiles__Sample)PERFTOOLS__PROFILES__SAMPLE__INIT;
    msg->n_location_id = s->depth;
    msg->location_id = &e->location_ids[s->stack];
    msg->n_value = (size_t)p->ntypes;
    msg->value = &p->values[i * (size_t)p->ntypes];
    msg->n_label = s->nlabels;
    msg->label = &label_ptrs[s->labels];
}

static void fill_labels_and_ids(struct encoder *e)
{
    const struct fp_pprof *p = e->p;

    for (size_t i = 0; i < p->nlabels; i++) {
        const struct label *l = &p->labels[i];
        Perftools__Profiles__Label *msg = &e->labels[i];
        *msg = (Perftools__Profiles__Label)PERFTOOLS__PROFILES__LABEL__INIT;
        msg->key = l->key;
        msg->str = l->str;
        msg->num = l->num;
        msg->num_unit = l->num_unit;
    }
    for (size_t i = 0; i < p->nstacks; i++)
        e->location_ids[i] = p->stacks[i] + 1;
}

static void fill_functions(struct encoder *e)
{
    for (size_t i = 0; i < e->nfunctions; i++) {
        Perftools__Profiles__Function *msg = &e->function_msgs[i];
        *msg = (Perftools__Profiles__Function)PERFTOOLS__PROFILES__FUNCTION__INIT;
        msg->id = i + 1;
        msg->name = e->functions[i].name;
        msg->system_name = e->functions[i].system_name;
        msg->filename = e->functions[i].filename;
        msg->start_line = e->functions[i].start_line;
    }
}

static void fill_types(struct encoder *e)
{
    const struct fp_pprof *p = e->p;

    for (int i = 0; i < p->ntypes; i++) {
        Perftools__Profiles__ValueType *msg = &e->types[i];
        *msg = (Perftools__Profiles__ValueType)PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
        msg->type = p->types[i].type;
        msg->unit = p->types[i].unit;
    }
    e->period_type = (Perftools__Profiles__ValueType)PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
    e->period_type.type = p->period_type.type;
    e->period_type.unit = p->period_type.unit;
}

/* Points `(*ptrs)[i]` at `msgs[i]` for n messages of `size` bytes, taking
 * the pointer array from `*next`. */
static void *point_at(void ***next, void *msgs, size_t n, size_t size)
{
    void **ptrs = *next;

    for (size_t i = 0; i < n; i++)
        ptrs[i] = (char *)msgs + i * size;
    *next += n;
    return ptrs;
}

static int allocate_messages(struct encoder *e)
{
    const struct fp_pprof *p = e->p;
    size_t nlocations = p->nlocations ? p->nlocations : 1;

    e->first_line = fp_mem_calloc(nlocations, sizeof(*e->first_line));
    e->locations = fp_mem_calloc(nlocations, sizeof(*e->locations));
    e->mappings = fp_mem_calloc(e->maps->n + 1, sizeof(*e->mappings));
    e->samples = fp_mem_calloc(p->nsamples + 1, sizeof(*e->samples));
    e->labels = fp_mem_calloc(p->nlabels + 1, sizeof(*e->labels));
    e->location_ids = fp_mem_calloc(p->nstacks + 1, sizeof(*e->location_ids));
    e->types = fp_mem_calloc((size_t)p->ntypes, sizeof(*e->types));
    return e->first_line && e->locations && e->mappings && e->samples && e->labels &&
                   e->location_ids && e->types ? 0 : -1;
}

static void free_encoder(struct encoder *e)
{
    fp_symbolizer_free(e->sym);
    fp_mem_free(e->functions);
    fp_hashidx_free(&e->function_index);
    fp_mem_free(e->lines);
    fp_mem_free(e->first_line);
    fp_mem_free(e->locations);
    fp_mem_free(e->mappings);
    fp_mem_free(e->function_msgs);
    fp_mem_free(e->samples);
    fp_mem_free(e->labels);
    fp_mem_free(e->location_ids);
    fp_mem_free(e->types);
    fp_mem_free(e->pointers);
}

/* Fills `msg` from the builder and the symbolized encoder. */
static int assemble(struct encoder *e, Perftools__Profiles__Profile *msg)
{
    struct fp_pprof *p = e->p;

    for (size_t i = 0; i < p->nlocations; i++)
        if (symbolize_location(e, i) != 0)
            return -1;
    for (size_t i = 0; i < e->maps->n; i++)
        fill_mapping(e, i);
    /* All strings are interned now; the pointer arrays can be sized. */
    size_t nptrs = p->nlocations + e->nlines + e->maps->n + e->nfunctions + p->nsamples +
                   p->nlabels + (size_t)p->ntypes + 1;
    e->pointers = fp_mem_alloc(nptrs * sizeof(void *));
    e->function_msgs = fp_mem_calloc(e->nfunctions + 1, sizeof(*e->function_msgs));
    if (!e->pointers || !e->function_msgs)
        return -1;
    fill_functions(e);
    fill_labels_and_ids(e);
    fill_types(e);
    void **next = e->pointers;
    Perftools__Profiles__Line **lines = point_at(&next, e->lines, e->nlines, sizeof(*e->lines));
    for (size_t i = 0; i < p->nlocations; i++)
        e->locations[i].line = &lines[e->first_line[i]];
    Perftools__Profiles__Label **labels = point_at(&next, e->labels, p->nlabels, sizeof(*e->labels));
    for (size_t i = 0; i < p->nsamples; i++)
        fill_sample(e, i, labels);

    msg->n_sample_type = (size_t)p->ntypes;
    msg->sample_type = point_at(&next, e->types, (size_t)p->ntypes, sizeof(*e->types));
    msg->n_sample = p->nsamples;
    msg->sample = point_at(&next, e->samples, p->nsamples, sizeof(*e->samples));
    msg->n_mapping = e->maps->n;
    msg->mapping = point_at(&next, e->mappings, e->maps->n, sizeof(*e->mappings));
    msg->n_location = p->nlocations;
    msg->location = point_at(&next, e->locations, p->nlocations, sizeof(*e->locations));
    msg->n_function = e->nfunctions;
    msg->function = point_at(&next, e->function_msgs, e->nfunctions, sizeof(*e->function_msgs));
    msg->n_string_table = p->strings.n;
    msg->string_table = p->strings.v;
    msg->time_nanos = p->time_nanos;
    msg->duration_nanos = p->duration_nanos;
    msg->period_type = &e->period_type;
    msg->period = p->period;
    msg->n_comment = p->ncomments;
    msg->comment = p->comments;
    msg->default_sample_type = p->default_type;
    return 0;
}

static int gzip(const uint8_t *in, size_t len, uint8_t **out, size_t *outlen)
{
    z_stream zs = {0};

    /* 15 + 16: a gzip wrapper; BestSpeed like Go's profile writer. */
    if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    size_t cap = deflateBound(&zs, len);
    uint8_t *buf = fp_mem_alloc(cap);
    int rc = Z_MEM_ERROR;
    if (buf) {
        zs.next_in = (Bytef *)in;
        zs.avail_in = (uInt)len;
        zs.next_out = buf;
        zs.avail_out = (uInt)cap;
        rc = deflate(&zs, Z_FINISH);
    }
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        fp_mem_free(buf);
        return -1;
    }
    *out = buf;
    *outlen = zs.total_out;
    return 0;
}

int fp_pprof_encode(struct fp_pprof *p, const struct fp_maps *maps, uint8_t **out, size_t *outlen)
{
    struct fp_maps own = {0};
    struct encoder e = {.p = p, .maps = maps};
    Perftools__Profiles__Profile msg = PERFTOOLS__PROFILES__PROFILE__INIT;
    uint8_t *packed = NULL;
    int rc = -1;

    /* A profile with no sample (a short process that was never sampled)
     * needs no mapping: reading them, their build-ids and debug info is
     * most of what a short process would pay at exit. (With samples, even
     * without a location, pprof wants the main binary's mapping.) */
    if (!maps) {
        if (p->nsamples && fp_maps_read_self(&own) != 0)
            return -1;
        e.maps = &own;
    }
    /* Without a symbolizer the profile still has addresses and mappings. */
    e.sym = p->nsamples ? fp_symbolizer_new(e.maps) : NULL;
    if (allocate_messages(&e) != 0 || assemble(&e, &msg) != 0)
        goto out;
    size_t len = perftools__profiles__profile__get_packed_size(&msg);
    if (len > UINT32_MAX || !(packed = fp_mem_alloc(len ? len : 1)))
        goto out;
    perftools__profiles__profile__pack(&msg, packed);
    rc = gzip(packed, len, out, outlen);
out:
    fp_mem_free(packed);
    free_encoder(&e);
    fp_maps_free(&own);
    if (rc != 0)
        errno = ENOMEM;
    return rc;
}

int fp_pprof_write(struct fp_pprof *p, const struct fp_maps *maps, const char *path)
{
    uint8_t *buf;
    size_t len;

    if (fp_pprof_encode(p, maps, &buf, &len) != 0)
        return -1;
    int rc = fp_outfile_write_atomic(path, buf, len);
    int saved = errno;
    fp_mem_free(buf);
    errno = saved;
    return rc;
}
