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
#include <time.h>

#include "lineage.h"
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
    return p->sites ? 0 : -1;
}

/* ---- writing ---------------------------------------------------------- */

struct write_ctx {
    const struct fp_siteprof *p;
    struct fp_pprof *profile;
    int failed;
};

static void add_site(void *arg, const uintptr_t *pcs, int depth, uint64_t tag,
                     const int64_t counters[FP_SITE_COUNTERS])
{
    struct write_ctx *ctx = arg;
    const struct fp_siteprof_kind *kind = ctx->p->kind;
    uint64_t addrs[FP_DEPTH_MAX];
    int64_t values[FP_SITE_COUNTERS];
    struct fp_pprof_label label = {.key = kind->tag_label, .num = (int64_t)tag, .num_unit = kind->tag_unit};
    int nlabels = kind->tag_label ? 1 : 0;

    kind->values(ctx->p, tag, counters, values);
    fp_unwind_to_locations(addrs, pcs, depth, false);
    if (fp_pprof_add_sample(ctx->profile, addrs, depth, values, nlabels ? &label : NULL, nlabels) != 0)
        ctx->failed = 1;
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

/* At exit a descendant process writes nothing if nothing was recorded
 * (fp_lineage_descendant). */
static int write_profile(struct fp_siteprof *p, const char *path, const char *default_type, bool at_exit)
{
    const struct fp_siteprof_kind *kind = p->kind;
    struct write_ctx ctx = {.p = p};

    fp_internal_enter(); /* our allocations are not the program's */
    ctx.profile = fp_pprof_new(kind->types, kind->ntypes, kind->period_type, (int64_t)p->rate);
    if (ctx.profile) {
        fp_pprof_set_time(ctx.profile, p->start_wall_ns,
                          (int64_t)fp_clock_ns(CLOCK_MONOTONIC) - p->start_mono_ns);
        if (default_type)
            fp_pprof_set_default_sample_type(ctx.profile, default_type);
        fp_sitetab_foreach(p->sites, add_site, &ctx);
        add_comments(p, ctx.profile);
    }
    int rc = fp_writer_write_and_free(ctx.profile, ctx.failed, at_exit && fp_lineage_descendant(),
                                      kind->name, path);
    fp_internal_leave();
    return rc;
}

int fp_siteprof_write_configured(struct fp_siteprof *p, bool at_exit)
{
    char path[PATH_MAX];

    fp_lineage_output_path(p->pattern, p->start_wall_ns, path);
    return write_profile(p, path, NULL, at_exit);
}

void fp_siteprof_write_at_exit(struct fp_siteprof *p)
{
    if (p->on)
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
    fp_internal_leave();
}
