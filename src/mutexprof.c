/*
 * The lock-contention profile. Owns `mx` (configuration set at load;
 * sites changed under mx.lock, read lock-free when writing), the
 * per-thread sampling generator and the flightprof_mutex_write API.
 * Go's conventions: contentions/count and delay/nanoseconds by the
 * waiter's stack, period_type contentions/count, period = the rate, and
 * values scaled by the rate.
 *
 * Signal context: none.
 */
#include "clock.h"
#include "libc.h"
#include "mutexprof.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "flightprof.h"
#include "hooks.h"
#include "interpose.h"
#include "lifecycle.h"
#include "log.h"
#include "outfile.h"
#include "poisson.h"
#include "pprof.h"
#include "self.h"
#include "sitetab.h"
#include "unwind.h"
#include "writer.h"

#define MAX_SITES (16u << 10)
#define MAX_FRAMES (1u << 20)

enum { CONTENTIONS, DELAY_NS };

static __thread uint64_t sample_rng __attribute__((tls_model("initial-exec")));

static struct {
    bool on;
    uint64_t rate;
    enum fp_unwind_mode mode;
    int depth;
    char pattern[PATH_MAX];
    int64_t start_wall_ns, start_mono_ns;
    pthread_mutex_t lock; /* serialises changes to `sites` */
    struct fp_sitetab *sites;
    uint64_t lost; /* sampled contentions without room (lock) */
} mx = {.lock = PTHREAD_MUTEX_INITIALIZER};

static bool sampled(void)
{
    if (mx.rate <= 1)
        return true;
    if (!sample_rng)
        sample_rng = fp_poisson_seed();
    return fp_poisson_next(&sample_rng) % mx.rate == 0;
}

void fp_mutexprof_contended(uint64_t wait_ns, const void *caller)
{
    int saved_errno = errno;
    uintptr_t pcs[FP_DEPTH_MAX];

    if (!mx.on)
        return;
    fp_internal_enter();
    if (sampled()) {
        int depth = fp_sitetab_capture(mx.mode, caller, pcs, mx.depth);
        fp_libc_pthread_mutex_lock(&mx.lock);
        uint32_t site = fp_sitetab_get(mx.sites, pcs, depth, 0);
        if (site) {
            fp_sitetab_count(mx.sites, site, CONTENTIONS, 1);
            fp_sitetab_count(mx.sites, site, DELAY_NS, (int64_t)wait_ns);
        } else {
            mx.lost++;
        }
        pthread_mutex_unlock(&mx.lock);
    }
    fp_internal_leave();
    errno = saved_errno;
}

/* ---- writing ---------------------------------------------------------- */

struct write_ctx {
    struct fp_pprof *profile;
    int failed;
};

static void add_site(void *arg, const uintptr_t *pcs, int depth, uint64_t tag,
                     const int64_t counters[FP_SITE_COUNTERS])
{
    struct write_ctx *ctx = arg;
    uint64_t addrs[FP_DEPTH_MAX];
    int64_t values[2] = {counters[CONTENTIONS] * (int64_t)mx.rate,
                         counters[DELAY_NS] * (int64_t)mx.rate};

    (void)tag;
    fp_unwind_to_locations(addrs, pcs, depth, false);
    if (fp_pprof_add_sample(ctx->profile, addrs, depth, values, NULL, 0) != 0)
        ctx->failed = 1;
}

/* At exit a descendant process writes nothing if nothing was recorded
 * (fp_lifecycle_descendant). */
static int write_profile(const char *path, bool at_exit)
{
    static const struct fp_pprof_value_type types[] = {
        {"contentions", "count"},
        {"delay", "nanoseconds"},
    };
    struct write_ctx ctx = {0};
    char line[128];

    fp_internal_enter();
    ctx.profile = fp_pprof_new(types, 2, types[0], (int64_t)mx.rate);
    if (ctx.profile) {
        fp_pprof_set_time(ctx.profile, mx.start_wall_ns,
                          (int64_t)fp_clock_ns(CLOCK_MONOTONIC) - mx.start_mono_ns);
        fp_sitetab_foreach(mx.sites, add_site, &ctx);
        fp_libc_pthread_mutex_lock(&mx.lock);
        uint64_t lost = mx.lost;
        pthread_mutex_unlock(&mx.lock);
        if (lost) {
            snprintf(line, sizeof(line), "flightprof: %llu sampled contentions had no room in the site table",
                     (unsigned long long)lost);
            fp_pprof_add_comment(ctx.profile, line);
        }
    }
    int rc = fp_writer_write_and_free(ctx.profile, ctx.failed, at_exit && fp_lifecycle_descendant(),
                                      "mutex", path);
    fp_internal_leave();
    return rc;
}

FP_EXPORT int flightprof_mutex_write(const char *path)
{
    if (!mx.on) {
        errno = ESRCH;
        return -1;
    }
    if (!path || !*path) {
        errno = EINVAL;
        return -1;
    }
    return write_profile(path, false);
}

static void write_at_exit(int status)
{
    char path[PATH_MAX];

    (void)status;
    if (!mx.on)
        return;
    fp_lifecycle_output_path(mx.pattern, mx.start_wall_ns, path);
    write_profile(path, true);
}

/* ---- fork and start ------------------------------------------------------ */

static void before_fork(void)
{
    fp_internal_enter();
    fp_libc_pthread_mutex_lock(&mx.lock);
}

static void after_fork_parent(void)
{
    pthread_mutex_unlock(&mx.lock);
    fp_internal_leave();
}

static void after_fork_child(void)
{
    pthread_mutex_init(&mx.lock, NULL);
    fp_internal_leave();
}

static bool engine_start(const struct fp_config *cfg, unsigned *hooks)
{
    if (!cfg->mutex_path[0])
        return false;
    mx.rate = cfg->mutex_rate ? cfg->mutex_rate : 1;
    mx.mode = cfg->unwind;
    mx.depth = cfg->depth;
    snprintf(mx.pattern, sizeof(mx.pattern), "%s", cfg->mutex_path);
    mx.start_wall_ns = (int64_t)fp_clock_ns(CLOCK_REALTIME);
    mx.start_mono_ns = (int64_t)fp_clock_ns(CLOCK_MONOTONIC);
    mx.sites = fp_sitetab_new(MAX_SITES, MAX_FRAMES);
    if (!mx.sites) {
        fp_log("FLIGHTPROF_MUTEX=%s: cannot reserve memory for the mutex profile: %s; not profiling",
               cfg->mutex_path, strerror(errno));
        return false;
    }
    mx.on = true;
    *hooks |= FP_HOOKS(FP_HOOK_LOCK, FP_FEED_PROFILE);
    return true;
}

const struct fp_engine fp_mutex_engine = {
    .name = "mutex",
    .start = engine_start,
    .fork_prepare = before_fork,
    .fork_parent = after_fork_parent,
    .fork_child = after_fork_child,
    .exit = write_at_exit,
};
