/*
 * Profile texts and symbol lines (pprof_text.h). Owns nothing past a
 * call: each reads the process's mappings and makes a symbolizer of its
 * own.
 *
 * Signal context: none.
 */
#include "pprof_text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "maps.h"
#include "mem.h"
#include "pprof_internal.h"
#include "symbolize.h"

struct text {
    char *buf;
    size_t len, cap;
    bool failed;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
    va_list ap;

    for (int pass = 0; pass < 2 && !t->failed; pass++) {
        size_t room = t->cap - t->len;
        va_start(ap, fmt);
        int n = vsnprintf(t->buf ? t->buf + t->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = true;
        } else if ((size_t)n < room) {
            t->len += (size_t)n;
            return;
        } else if (fp_array_reserve(&t->buf, &t->cap, t->len + (size_t)n + 4096, 1) != 0) {
            t->failed = true;
        }
    }
}

/* The symbolizer's context: the mappings and the symbolizer. */
struct sym {
    struct fp_maps maps;
    struct fp_symbolizer *s;
};

static int sym_open(struct sym *y)
{
    memset(y, 0, sizeof(*y));
    if (fp_maps_read_self(&y->maps) != 0)
        return -1;
    y->s = fp_symbolizer_new(&y->maps); /* NULL: addresses without names */
    return 0;
}

static void sym_close(struct sym *y)
{
    fp_symbolizer_free(y->s);
    fp_maps_free(&y->maps);
}

static int frames_of(struct sym *y, uint64_t addr, struct fp_frame *frames)
{
    return y->s ? fp_symbolize(y->s, addr, frames, FP_INLINE_FRAMES_MAX) : 0;
}

/* `record` with its "{i}" replaced by values[i]. */
static void put_record(struct text *t, const char *record, const int64_t *values, int ntypes)
{
    for (const char *c = record; *c; c++) {
        char *end;
        long i = c[0] == '{' ? strtol(c + 1, &end, 10) : -1;
        if (i >= 0 && i < ntypes && *end == '}') {
            put(t, "%lld", (long long)values[i]);
            c = end;
        } else {
            put(t, "%c", *c);
        }
    }
}

static void put_sample(struct text *t, struct sym *y, const struct fp_pprof *p, size_t i,
                       const char *record)
{
    const struct sample *s = &p->samples[i];
    struct fp_frame frames[FP_INLINE_FRAMES_MAX];

    put_record(t, record, &p->values[i * (size_t)p->ntypes], p->ntypes);
    for (uint32_t d = 0; d < s->depth; d++)
        put(t, " %#llx", (unsigned long long)p->locations[p->stacks[s->stack + d]].addr);
    put(t, "\n");
    for (uint32_t d = 0; d < s->depth; d++) {
        const struct location *loc = &p->locations[p->stacks[s->stack + d]];
        int n = loc->synthetic ? 0 : frames_of(y, loc->addr, frames);
        if (loc->synthetic)
            put(t, "#\t0x0\t%s\n", fp_strtab_get(&p->strings, loc->synthetic));
        for (int f = 0; f < n; f++) {
            put(t, "#\t%#llx\t%s\t", (unsigned long long)loc->addr, frames[f].function);
            if (frames[f].file[0])
                put(t, "%s:%lld", frames[f].file, (long long)frames[f].line);
            put(t, "\n");
        }
    }
    put(t, "\n");
}

static int finish(struct text *t, char **out, size_t *outlen)
{
    if (t->failed) {
        fp_mem_free(t->buf);
        errno = ENOMEM;
        return -1;
    }
    *out = t->buf;
    *outlen = t->len;
    return 0;
}

int fp_pprof_text(struct fp_pprof *p, const char *header, const char *record, const char *footer,
                  char **out, size_t *outlen)
{
    struct text t = {0};
    struct sym y;

    if (sym_open(&y) != 0)
        return -1;
    put(&t, "%s", header);
    for (size_t i = 0; i < p->nsamples; i++)
        put_sample(&t, &y, p, i, record);
    put(&t, "%s", footer);
    sym_close(&y);
    return finish(&t, out, outlen);
}

int fp_pprof_symbol_lines(const uint64_t *addrs, size_t n, char **out, size_t *outlen)
{
    struct text t = {0};
    struct fp_frame frames[FP_INLINE_FRAMES_MAX];
    struct sym y;

    if (sym_open(&y) != 0)
        return -1;
    put(&t, "num_symbols: 1\n");
    for (size_t i = 0; i < n; i++)
        if (frames_of(&y, addrs[i], frames) > 0)
            put(&t, "%#llx %s\n", (unsigned long long)addrs[i], frames[0].function);
    sym_close(&y);
    return finish(&t, out, outlen);
}
