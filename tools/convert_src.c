/*
 * What the convert output formats share: the snapshot's mappings and
 * offline symbolizer, thread names, and printable code addresses.
 * Signal context: none.
 */
#include "convert.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

/* Direct-mapped cache of described addresses: converted snapshots repeat
 * the same callers and stacks many times over. */
#define NAMES_SLOTS 4096
#define FRAMES_MAX 16

struct convert_names {
    uint64_t loc[NAMES_SLOTS];
    char *text[NAMES_SLOTS];
};

/* Names from thread-name events, for threads the table has no name for
 * (the recorder's table may have been filled before a rename). */
static int collect_renames(struct convert_src *src)
{
    size_t nthreads = fp_sread_thread_count(src->snap);
    src->renamed = calloc(nthreads ? nthreads : 1, sizeof(*src->renamed));
    if (!src->renamed)
        return -1;
    for (size_t i = 0; i < fp_sread_event_count(src->snap); i++) {
        const struct fp_sread_ev *ev = fp_sread_event(src->snap, i);
        if (ev->kind != FP_EV_THREAD_NAME || !ev->u.thread_name.name[0])
            continue;
        for (size_t t = 0; t < nthreads; t++)
            if (fp_sread_thread(src->snap, t)->tid == ev->u.thread_name.tid)
                src->renamed[t] = ev->u.thread_name.name;
    }
    return 0;
}

int convert_src_init(struct convert_src *src, const struct fp_sread *snap, bool symbolize)
{
    memset(src, 0, sizeof(*src));
    src->snap = snap;
    src->info = fp_sread_info(snap);
    src->cpu_period_ns = src->info->cpu_period_ns ? (int64_t)src->info->cpu_period_ns
                                                  : 1000000000 / FP_HZ_DEFAULT;
    src->names = calloc(1, sizeof(*src->names));
    if (!src->names)
        return -1;
    for (size_t i = 0; i < fp_sread_map_count(snap); i++) {
        const struct fp_sread_map *m = fp_sread_map(snap, i);
        if (fp_maps_add(&src->maps, m->start, m->limit, m->offset, m->path, m->build_id) != 0)
            return -1;
    }
    if (collect_renames(src) != 0)
        return -1;
    if (symbolize)
        src->sym = fp_symbolizer_new(&src->maps);
    return 0;
}

void convert_src_free(struct convert_src *src)
{
    if (src->names)
        for (size_t i = 0; i < NAMES_SLOTS; i++)
            free(src->names->text[i]);
    free(src->names);
    free(src->renamed);
    if (src->sym)
        fp_symbolizer_free(src->sym);
    fp_maps_free(&src->maps);
    memset(src, 0, sizeof(*src));
}

const char *convert_thread_name(const struct convert_src *src, int tid, char *buf, size_t len)
{
    for (size_t i = 0; i < fp_sread_thread_count(src->snap); i++) {
        const struct fp_sread_thread_info *t = fp_sread_thread(src->snap, i);
        if (t->tid != tid)
            continue;
        if (t->name[0])
            return t->name;
        if (src->renamed[i])
            return src->renamed[i];
        break;
    }
    snprintf(buf, len, "tid %d", tid);
    return buf;
}

/* Appends the formatted text to the malloc'd string *s. */
static void append(char **s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(char **s, const char *fmt, ...)
{
    char *more = NULL, *joined = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&more, fmt, ap);
    va_end(ap);
    if (n < 0 || !*s) {
        free(*s);
        *s = n < 0 ? NULL : more;
        return;
    }
    if (asprintf(&joined, "%s\n%s", *s, more) < 0)
        joined = NULL;
    free(*s);
    free(more);
    *s = joined;
}

static char *describe_uncached(const struct convert_src *src, uint64_t loc)
{
    struct fp_frame frames[FRAMES_MAX];
    int n = src->sym ? fp_symbolize(src->sym, loc, frames, FRAMES_MAX) : 0;
    char *text = NULL;

    for (int i = 0; i < n; i++) {
        if (frames[i].file[0] && frames[i].line)
            append(&text, "%s (%s:%" PRId64 ")", frames[i].function, frames[i].file, frames[i].line);
        else
            append(&text, "%s", frames[i].function);
        if (!text)
            return NULL;
    }
    if (n > 0)
        return text;
    const struct fp_mapping *m = fp_maps_find(&src->maps, loc);
    if (m)
        append(&text, "0x%" PRIx64 " (%s+0x%" PRIx64 ")", loc, m->path, loc - m->start + m->offset);
    else
        append(&text, "0x%" PRIx64, loc);
    return text;
}

int convert_stack(const struct convert_src *src, const uint64_t *pcs, int depth, bool leaf_exact,
                  uint64_t *out)
{
    int n = 0;

    for (int i = 0; i < depth; i++) {
        bool exact = leaf_exact && i == 0;
        if (!exact && fp_maps_in_flightprof(&src->maps, pcs[i]))
            continue;
        out[n++] = convert_location(pcs[i], exact);
    }
    return n;
}

const char *convert_describe(const struct convert_src *src, uint64_t loc)
{
    struct convert_names *names = src->names;
    size_t slot = (size_t)((loc ^ (loc >> 12)) * 0x9e3779b97f4a7c15ull >> 52) % NAMES_SLOTS;

    if (names->text[slot] && names->loc[slot] == loc)
        return names->text[slot];
    free(names->text[slot]);
    names->loc[slot] = loc;
    names->text[slot] = describe_uncached(src, loc);
    return names->text[slot];
}
