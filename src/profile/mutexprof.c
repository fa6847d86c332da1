/*
 * The lock-contention profile. Owns `mx` (a site profile, siteprof.h:
 * configuration set at load; sites changed under mx.lock, read lock-free
 * when writing), the per-thread sampling generator and the
 * flightprof_mutex_write API.
 * Go's conventions: contentions/count and delay/nanoseconds by the
 * waiter's stack, period_type contentions/count, period = the rate, and
 * values scaled by the rate.
 *
 * Signal context: none.
 */
#include "mutexprof.h"

#include <errno.h>
#include <stdbool.h>

#include "engine.h"
#include "flightprof.h"
#include "hooks.h"
#include "interpose.h"
#include "poisson.h"
#include "pprof.h"
#include "self.h"
#include "siteprof.h"
#include "sitetab.h"
#include "unwind.h"

#define MAX_SITES (16u << 10)
#define MAX_FRAMES (1u << 20)

enum { CONTENTIONS, DELAY_NS };

static __thread uint64_t sample_rng __attribute__((tls_model("initial-exec")));

static struct fp_siteprof mx = {.lock = PTHREAD_MUTEX_INITIALIZER};

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
        int depth = fp_unwind_capture(mx.mode, caller, pcs, mx.depth);
        fp_siteprof_lock(&mx);
        fp_siteprof_add(&mx, pcs, depth, 0,
                        (const int64_t[]){[CONTENTIONS] = 1, [DELAY_NS] = (int64_t)wait_ns},
                        DELAY_NS + 1);
        fp_siteprof_unlock(&mx);
    }
    fp_internal_leave();
    errno = saved_errno;
}

/* ---- writing ---------------------------------------------------------- */

static void site_values(const struct fp_siteprof *p, uint64_t tag,
                        const int64_t counters[FP_SITE_COUNTERS], int64_t *values)
{
    (void)tag;
    values[0] = counters[CONTENTIONS] * (int64_t)p->rate;
    values[1] = counters[DELAY_NS] * (int64_t)p->rate;
}

static const struct fp_pprof_value_type mutex_types[] = {
    {"contentions", "count"},
    {"delay", "nanoseconds"},
};

static const struct fp_siteprof_kind mutex_kind = {
    .name = "mutex",
    .max_sites = MAX_SITES,
    .max_frames = MAX_FRAMES,
    .types = mutex_types,
    .ntypes = sizeof(mutex_types) / sizeof(mutex_types[0]),
    .period_type = {"contentions", "count"},
    .lost_what = "sampled contentions",
    .values = site_values,
};

FP_EXPORT int flightprof_mutex_write(const char *path)
{
    return fp_siteprof_write_api(&mx, path, NULL);
}

/* ---- fork and start ------------------------------------------------------ */

FP_SITEPROF_HOOKS(mutex, mx)

static bool engine_start(const struct fp_config *cfg, unsigned *hooks)
{
    if (!fp_siteprof_engine_start(&mx, &mutex_kind, cfg->mutex_on, cfg->mutex_path,
                                  cfg->mutex_rate, cfg, mutex_period))
        return false;
    *hooks |= FP_HOOKS(FP_HOOK_LOCK, FP_FEED_PROFILE);
    return true;
}

struct fp_siteprof *fp_mutexprof_profile(void)
{
    return mx.on ? &mx : NULL;
}

FP_SITEPROF_ENGINE(mutex, engine_start);
