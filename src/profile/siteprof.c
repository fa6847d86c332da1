/*
 * The site-profile skeleton. Owns nothing of its own: it sets up, forks
 * and writes the struct fp_siteprof each profile owns, as the profile's
 * struct fp_siteprof_kind describes it.
 *
 * Signal context: none.
 */
#include "clock.h"
#include "siteprof.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lineage.h"
#include "log.h"
#include "mem.h"
#include "self.h"
#include "unwind.h"
#include "writer.h"

int fp_siteprof_start(struct fp_siteprof *p, const struct fp_siteprof_kind *kind, const char *pattern,
                      uint64_t rate, const struct fp_config *cfg)
{
    p->kind = kind;
    p->rate = rate ? rate : 1;
    p->mode = cfg->unwind;
    p->depth = cfg->depth;
    snprintf(p->pattern, sizeof(p->pattern), "%s", pattern);
    p->start_wall_ns = (int64_t)fp_clock_ns(CLOCK_REALTIME);
    p->start_mono_ns = (int64_t)fp_clock_ns(CLOCK_MONOTONIC);
    p->sites = fp_sitetab_new(kind->max_sites, kind->max_frames);
    if (!p->sites)
        return -1;
    p->periodic = cfg->period_ns && pattern[0];
    return p->periodic ? fp_siteprof_mark(p, &p->period_since) : 0;
}

/* ---- building ----------------------------------------------------------- */

struct build_ctx {
    const struct fp_siteprof *p;
    const struct fp_siteprof_mark *since;
    struct fp_pprof *profile;
    int64_t *totals; /* fp_siteprof_totals' */
    bool failed;
};

/* A site's values now; minus those at the mark `since` when it had the
 * site. */
static void site_values(const struct fp_siteprof *p, const struct fp_siteprof_mark *since,
                        uint32_t id, uint64_t tag, const int64_t counters[FP_SITE_COUNTERS],
                        int64_t *values)
{
    int n = p->kind->ntypes;

    p->kind->values(p, tag, counters, values);
    if (since && id <= since->nsites)
        for (int v = 0; v < n; v++)
            values[v] -= since->values[(size_t)(id - 1) * (size_t)n + (size_t)v];
}

static void add_site(void *arg, uint32_t id, const uintptr_t *pcs, int depth, uint64_t tag,
                     const int64_t counters[FP_SITE_COUNTERS])
{
    struct build_ctx *ctx = arg;
    const struct fp_siteprof_kind *kind = ctx->p->kind;
    uint64_t addrs[FP_DEPTH_MAX];
    int64_t values[FP_SITE_COUNTERS];
    struct fp_pprof_label label = {.key = kind->tag_label, .num = (int64_t)tag, .num_unit = kind->tag_unit};
    int nlabels = kind->tag_label ? 1 : 0;
    bool any = false;

    site_values(ctx->p, ctx->since, id, tag, counters, values);
    for (int v = 0; v < kind->ntypes; v++)
        any |= values[v] != 0;
    if (!any && ctx->since)
        return; /* nothing happened there in the window */
    int n = fp_unwind_to_locations(addrs, pcs, depth, false);
    if (fp_pprof_add_sample(ctx->profile, addrs, n, values, nlabels ? &label : NULL, nlabels) != 0)
        ctx->failed = true;
}

static void add_comments(struct fp_siteprof *p, struct fp_pprof *profile)
{
    char line[160];

    fp_siteprof_lock(p);
    uint64_t lost = p->lost;
    fp_siteprof_unlock(p);
    if (lost) {
        snprintf(line, sizeof(line), "flightprof: %llu %s had no room in the site table",
                 (unsigned long long)lost, p->kind->lost_what);
        fp_pprof_add_comment(profile, line);
    }
    if (p->kind->add_comments)
        p->kind->add_comments(profile);
}

struct fp_pprof *fp_siteprof_build(struct fp_siteprof *p, const struct fp_siteprof_mark *since,
                                   const char *default_type, bool *failed)
{
    const struct fp_siteprof_kind *kind = p->kind;
    struct build_ctx ctx = {.p = p, .since = since};

    ctx.profile = fp_pprof_new(kind->types, kind->ntypes, kind->period_type,
                               kind->unit_period ? 1 : (int64_t)p->rate);
    if (ctx.profile) {
        int64_t now_mono = (int64_t)fp_clock_ns(CLOCK_MONOTONIC);
        if (since)
            fp_pprof_set_time(ctx.profile, since->wall_ns, now_mono - since->mono_ns);
        else
            fp_pprof_set_time(ctx.profile, p->start_wall_ns, now_mono - p->start_mono_ns);
        if (default_type)
            fp_pprof_set_default_sample_type(ctx.profile, default_type);
        fp_sitetab_foreach(p->sites, add_site, &ctx);
        add_comments(p, ctx.profile);
    }
    *failed = ctx.failed;
    return ctx.profile;
}

static void sum_site(void *arg, uint32_t id, const uintptr_t *pcs, int depth, uint64_t tag,
                     const int64_t counters[FP_SITE_COUNTERS])
{
    struct build_ctx *ctx = arg;
    int64_t values[FP_SITE_COUNTERS];

    (void)pcs, (void)depth;
    site_values(ctx->p, NULL, id, tag, counters, values);
    for (int v = 0; v < ctx->p->kind->ntypes; v++)
        ctx->totals[v] += values[v];
}

void fp_siteprof_totals(struct fp_siteprof *p, int64_t *totals)
{
    struct build_ctx ctx = {.p = p, .totals = totals};

    for (int v = 0; v < p->kind->ntypes; v++)
        totals[v] = 0;
    fp_sitetab_foreach(p->sites, sum_site, &ctx);
}

struct mark_ctx {
    const struct fp_siteprof *p;
    struct fp_siteprof_mark *m;
};

static void mark_site(void *arg, uint32_t id, const uintptr_t *pcs, int depth, uint64_t tag,
                      const int64_t counters[FP_SITE_COUNTERS])
{
    struct mark_ctx *ctx = arg;
    size_t n = (size_t)ctx->p->kind->ntypes;

    (void)pcs, (void)depth;
    if (id <= ctx->m->nsites) /* sites added since the count was taken wait for the next mark */
        ctx->p->kind->values(ctx->p, tag, counters, &ctx->m->values[(size_t)(id - 1) * n]);
}

bool fp_siteprof_engine_start(struct fp_siteprof *p, const struct fp_siteprof_kind *kind, bool on,
                              const char *pattern, uint64_t rate, const struct fp_config *cfg,
                              fp_period_write_fn period)
{
    if (!on)
        return false;
    if (fp_siteprof_start(p, kind, pattern, rate, cfg) != 0) {
        fp_log("cannot reserve memory for the %s profile: %s; not profiling", kind->name,
               strerror(errno));
        return false;
    }
    if (p->periodic)
        fp_period_add(period);
    p->on = true;
    return true;
}

int fp_siteprof_mark(struct fp_siteprof *p, struct fp_siteprof_mark *m)
{
    struct mark_ctx ctx = {.p = p, .m = m};

    m->wall_ns = (int64_t)fp_clock_ns(CLOCK_REALTIME);
    m->mono_ns = (int64_t)fp_clock_ns(CLOCK_MONOTONIC);
    m->nsites = fp_sitetab_count_sites(p->sites);
    m->values = fp_mem_calloc((size_t)m->nsites * (size_t)p->kind->ntypes + 1, sizeof(int64_t));
    if (!m->values) {
        m->nsites = 0;
        return -1;
    }
    fp_sitetab_foreach(p->sites, mark_site, &ctx);
    return 0;
}

void fp_siteprof_mark_free(struct fp_siteprof_mark *m)
{
    fp_mem_free(m->values);
    *m = (struct fp_siteprof_mark){0};
}

/* ---- writing ------------------------------------------------------------ */

/* At exit a descendant process writes nothing if nothing was recorded
 * (fp_lineage_descendant). */
static int write_profile(struct fp_siteprof *p, const char *path, const char *default_type, bool at_exit)
{
    bool failed;

    fp_internal_enter(); /* our allocations are not the program's */
    struct fp_pprof *profile = fp_siteprof_build(p, NULL, default_type, &failed);
    int rc = fp_writer_write_and_free(profile, failed, at_exit && fp_lineage_descendant(),
                                      p->kind->name, path);
    fp_internal_leave();
    return rc;
}

int fp_siteprof_write_configured(struct fp_siteprof *p, bool at_exit)
{
    char path[PATH_MAX];

    fp_lineage_output_path(p->pattern, p->start_wall_ns, path);
    return write_profile(p, path, NULL, at_exit);
}

int fp_siteprof_write_period(struct fp_siteprof *p, uint64_t seq)
{
    char path[PATH_MAX];
    bool failed;

    fp_internal_enter();
    struct fp_pprof *profile = fp_siteprof_build(p, &p->period_since, NULL, &failed);
    fp_lineage_period_path(p->pattern, p->period_since.wall_ns, seq, path);
    /* The next period starts now, not once this one is written. */
    fp_siteprof_mark_free(&p->period_since);
    fp_siteprof_mark(p, &p->period_since);
    int rc = fp_writer_write_and_free(profile, failed, fp_lineage_descendant(), p->kind->name, path);
    fp_internal_leave();
    return rc;
}

void fp_siteprof_write_at_exit(struct fp_siteprof *p)
{
    if (p->on && p->pattern[0] && !p->periodic)
        fp_siteprof_write_configured(p, true);
}

int fp_siteprof_write_api(struct fp_siteprof *p, const char *path, const char *default_type)
{
    if (!p->on) {
        errno = ESRCH;
        return -1;
    }
    if (!path || !*path) {
        errno = EINVAL;
        return -1;
    }
    return write_profile(p, path, default_type, false);
}

/* ---- fork --------------------------------------------------------------- */

void fp_siteprof_fork_prepare(struct fp_siteprof *p)
{
    fp_internal_enter();
    fp_siteprof_lock(p);
}

void fp_siteprof_fork_parent(struct fp_siteprof *p)
{
    fp_siteprof_unlock(p);
    fp_internal_leave();
}

void fp_siteprof_fork_child(struct fp_siteprof *p)
{
    pthread_mutex_init(&p->lock, NULL);
    if (p->periodic) { /* the child's first period starts now */
        fp_siteprof_mark_free(&p->period_since);
        fp_siteprof_mark(p, &p->period_since);
    }
    fp_internal_leave();
}
