/*
 * Reading pprof profiles back for summaries: gunzip (or raw protobuf),
 * protobuf-c unpack, a check that every reference resolves, then totals
 * per function. Owns nothing beyond each call.
 *
 * Signal context: none.
 */
#include "pprof_read.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "mem.h"
#include "proto/profile.pb-c.h"

#define MAX_FILE_BYTES (1u << 30)
#define MAX_PROFILE_BYTES (1u << 30)

typedef Perftools__Profiles__Profile Profile;

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int read_file(const char *path, uint8_t **data, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 0;

    *data = NULL;
    *len = 0;
    if (!f)
        return fail(err, errlen, "%s: %s", path, strerror(errno));
    for (;;) {
        if (*len == cap) {
            cap = cap ? 2 * cap : 64 << 10;
            uint8_t *bigger = cap <= MAX_FILE_BYTES ? fp_mem_realloc(*data, cap) : NULL;
            if (!bigger) {
                fclose(f);
                return fail(err, errlen, "%s: too large", path);
            }
            *data = bigger;
        }
        size_t n = fread(*data + *len, 1, cap - *len, f);
        *len += n;
        if (n == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    return bad ? fail(err, errlen, "%s: read error", path) : 0;
}

/* Inflates gzip data into a malloc'd buffer. */
static int gunzip(const uint8_t *in, size_t len, uint8_t **out, size_t *outlen, char *err,
                  size_t errlen)
{
    z_stream zs = {0};
    size_t cap = len * 4 + 4096;
    uint8_t *buf = NULL;
    int rc = Z_MEM_ERROR;

    if (inflateInit2(&zs, 15 + 16) != Z_OK)
        return fail(err, errlen, "cannot initialise zlib");
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)len;
    for (;;) {
        uint8_t *bigger = cap <= MAX_PROFILE_BYTES ? fp_mem_realloc(buf, cap) : NULL;
        if (!bigger)
            break;
        buf = bigger;
        zs.next_out = buf + zs.total_out;
        zs.avail_out = (uInt)(cap - zs.total_out);
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc != Z_OK || zs.avail_out != 0)
            break;
        cap *= 2;
    }
    *outlen = zs.total_out;
    inflateEnd(&zs);
    if (rc == Z_STREAM_END) {
        *out = buf;
        return 0;
    }
    fp_mem_free(buf);
    if (rc == Z_OK || rc == Z_BUF_ERROR)
        return fail(err, errlen, "truncated gzip data");
    if (rc == Z_MEM_ERROR)
        return fail(err, errlen, "profile too large");
    return fail(err, errlen, "corrupt gzip data");
}

static Profile *unpack(const char *path, char *err, size_t errlen)
{
    uint8_t *data, *raw = NULL;
    size_t len, rawlen = 0;

    if (read_file(path, &data, &len, err, errlen) != 0) {
        fp_mem_free(data);
        return NULL;
    }
    if (len == 0) {
        fp_mem_free(data);
        fail(err, errlen, "%s: empty file", path);
        return NULL;
    }
    bool gzipped = len >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    Profile *prof = NULL;
    if (!gzipped || gunzip(data, len, &raw, &rawlen, err, errlen) == 0) {
        prof = gzipped ? perftools__profiles__profile__unpack(NULL, rawlen, raw)
                       : perftools__profiles__profile__unpack(NULL, len, data);
        if (!prof)
            fail(err, errlen, "%s: not a pprof profile (protobuf decoding failed)", path);
    } else {
        char inner[200];
        snprintf(inner, sizeof(inner), "%s", err);
        fail(err, errlen, "%s: %s", path, inner);
    }
    fp_mem_free(raw);
    fp_mem_free(data);
    return prof;
}

/* ---- validation and lookups ------------------------------------------- */

struct by_id {
    uint64_t id;
    size_t index;
};

static int cmp_id(const void *a, const void *b)
{
    const struct by_id *x = a, *y = b;

    return x->id < y->id ? -1 : x->id > y->id;
}

static ssize_t find_id(const struct by_id *v, size_t n, uint64_t id)
{
    struct by_id key = {id, 0};
    const struct by_id *hit = bsearch(&key, v, n, sizeof(*v), cmp_id);

    return hit ? (ssize_t)hit->index : -1;
}

/* IDs sorted for lookup; false when one is zero or repeated. */
static bool index_ids(struct by_id *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_id);
    for (size_t i = 0; i < n; i++)
        if (v[i].id == 0 || (i > 0 && v[i].id == v[i - 1].id))
            return false;
    return true;
}

static bool valid_string(const Profile *p, int64_t s)
{
    return s >= 0 && (size_t)s < p->n_string_table;
}

struct tables {
    struct by_id *locations, *functions;
    size_t *function_name; /* per function: string index of its name */
};

static const char *check_profile(const Profile *p, struct tables *t)
{
    if (p->n_string_table == 0 || p->string_table[0][0] != '\0')
        return "string table does not start with \"\"";
    if (p->n_sample_type == 0)
        return "no sample types";
    for (size_t i = 0; i < p->n_sample_type; i++)
        if (!valid_string(p, p->sample_type[i]->type) || !valid_string(p, p->sample_type[i]->unit))
            return "bad sample type";
    t->locations = fp_mem_calloc(p->n_location + 1, sizeof(*t->locations));
    t->functions = fp_mem_calloc(p->n_function + 1, sizeof(*t->functions));
    t->function_name = fp_mem_calloc(p->n_function + 1, sizeof(*t->function_name));
    if (!t->locations || !t->functions || !t->function_name)
        return "out of memory";
    for (size_t i = 0; i < p->n_function; i++) {
        t->functions[i] = (struct by_id){p->function[i]->id, i};
        if (!valid_string(p, p->function[i]->name))
            return "bad function name";
        t->function_name[i] = (size_t)p->function[i]->name;
    }
    for (size_t i = 0; i < p->n_location; i++)
        t->locations[i] = (struct by_id){p->location[i]->id, i};
    if (!index_ids(t->functions, p->n_function) || !index_ids(t->locations, p->n_location))
        return "zero or repeated IDs";
    for (size_t i = 0; i < p->n_location; i++)
        for (size_t l = 0; l < p->location[i]->n_line; l++)
            if (find_id(t->functions, p->n_function, p->location[i]->line[l]->function_id) < 0)
                return "a line names an unknown function";
    for (size_t i = 0; i < p->n_sample; i++) {
        const Perftools__Profiles__Sample *s = p->sample[i];
        if (s->n_value != p->n_sample_type)
            return "a sample's value count differs from the sample types'";
        for (size_t l = 0; l < s->n_location_id; l++)
            if (find_id(t->locations, p->n_location, s->location_id[l]) < 0)
                return "a sample names an unknown location";
    }
    return NULL;
}

/* ---- summarising ------------------------------------------------------ */

/* Totals per function name (a string index) or, for a location without
 * Lines, per location (n_string_table + its index). */
struct totals {
    int64_t flat, cum;
    size_t last_sample; /* 1 + the last sample counted in cum */
};

static int pick_sample_type(const Profile *p, const char *want, size_t *index)
{
    const char *name = want;

    if (!name && p->default_sample_type > 0 && valid_string(p, p->default_sample_type))
        name = p->string_table[p->default_sample_type];
    *index = p->n_sample_type - 1;
    if (!name)
        return 0;
    for (size_t i = 0; i < p->n_sample_type; i++) {
        if (strcmp(p->string_table[p->sample_type[i]->type], name) == 0) {
            *index = i;
            return 0;
        }
    }
    return want ? -1 : 0;
}

static void count(struct totals *t, size_t key, int64_t v, size_t sample, bool leaf)
{
    if (leaf)
        t[key].flat += v;
    if (t[key].last_sample != sample + 1) {
        t[key].last_sample = sample + 1;
        t[key].cum += v;
    }
}

static void add_sample(const Profile *p, const struct tables *t, struct totals *totals,
                       size_t sample, int64_t v)
{
    const Perftools__Profiles__Sample *s = p->sample[sample];

    for (size_t i = 0; i < s->n_location_id; i++) {
        size_t li = (size_t)find_id(t->locations, p->n_location, s->location_id[i]);
        const Perftools__Profiles__Location *loc = p->location[li];
        if (loc->n_line == 0)
            count(totals, p->n_string_table + li, v, sample, i == 0);
        for (size_t l = 0; l < loc->n_line; l++) {
            size_t fi = (size_t)find_id(t->functions, p->n_function, loc->line[l]->function_id);
            count(totals, t->function_name[fi], v, sample, i == 0 && l == 0);
        }
    }
}

static int cmp_entry(const void *a, const void *b)
{
    const struct fp_pprof_top_entry *x = a, *y = b;

    if (x->flat != y->flat)
        return x->flat > y->flat ? -1 : 1;
    if (x->cum != y->cum)
        return x->cum > y->cum ? -1 : 1;
    return strcmp(x->function, y->function);
}

static char *entry_name(const Profile *p, size_t key)
{
    char addr[32];

    if (key < p->n_string_table)
        return fp_mem_strdup(p->string_table[key]);
    snprintf(addr, sizeof(addr), "0x%llx",
             (unsigned long long)p->location[key - p->n_string_table]->address);
    return fp_mem_strdup(addr);
}

/* Turns the totals into entries sorted by flat, keeping `ntop`. */
static int top_entries(const Profile *p, const struct totals *totals, size_t nkeys, size_t ntop,
                       struct fp_pprof_summary *out)
{
    out->top = fp_mem_calloc(nkeys + 1, sizeof(*out->top));
    if (!out->top)
        return -1;
    for (size_t k = 0; k < nkeys; k++) {
        if (totals[k].flat == 0 && totals[k].cum == 0)
            continue;
        struct fp_pprof_top_entry *e = &out->top[out->ntop++];
        *e = (struct fp_pprof_top_entry){entry_name(p, k), totals[k].flat, totals[k].cum};
        if (!e->function)
            return -1;
    }
    qsort(out->top, out->ntop, sizeof(*out->top), cmp_entry);
    while (out->ntop > ntop)
        fp_mem_free(out->top[--out->ntop].function);
    return 0;
}

static int summarize(const Profile *p, const struct tables *t, const char *sample_type,
                     size_t ntop, struct fp_pprof_summary *out, char *err, size_t errlen)
{
    size_t index, nkeys = p->n_string_table + p->n_location;

    if (pick_sample_type(p, sample_type, &index) != 0)
        return fail(err, errlen, "no sample type %s in the profile", sample_type);
    const Perftools__Profiles__ValueType *vt = p->sample_type[index];
    out->sample_type = fp_mem_strdup(p->string_table[vt->type]);
    out->unit = fp_mem_strdup(p->string_table[vt->unit]);
    out->nsamples = p->n_sample;
    struct totals *totals = fp_mem_calloc(nkeys, sizeof(*totals));
    if (!totals || !out->sample_type || !out->unit) {
        fp_mem_free(totals);
        return fail(err, errlen, "out of memory");
    }
    for (size_t i = 0; i < p->n_sample; i++) {
        int64_t v = p->sample[i]->value[index];
        out->total += v;
        add_sample(p, t, totals, i, v);
    }
    int rc = top_entries(p, totals, nkeys, ntop, out);
    fp_mem_free(totals);
    return rc == 0 ? 0 : fail(err, errlen, "out of memory");
}

int fp_pprof_summarize(const char *path, const char *sample_type, size_t ntop,
                       struct fp_pprof_summary *out, char *err, size_t errlen)
{
    struct tables t = {0};
    int rc = -1;

    *out = (struct fp_pprof_summary){0};
    Profile *p = unpack(path, err, errlen);
    if (!p)
        return -1;
    const char *problem = check_profile(p, &t);
    if (problem)
        fail(err, errlen, "%s: invalid profile: %s", path, problem);
    else
        rc = summarize(p, &t, sample_type, ntop, out, err, errlen);
    if (rc != 0)
        fp_pprof_summary_free(out);
    fp_mem_free(t.locations);
    fp_mem_free(t.functions);
    fp_mem_free(t.function_name);
    perftools__profiles__profile__free_unpacked(p, NULL);
    return rc;
}

void fp_pprof_summary_free(struct fp_pprof_summary *s)
{
    fp_mem_free(s->sample_type);
    fp_mem_free(s->unit);
    for (size_t i = 0; i < s->ntop; i++)
        fp_mem_free(s->top[i].function);
    fp_mem_free(s->top);
    *s = (struct fp_pprof_summary){0};
}
