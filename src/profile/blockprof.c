/*
 * The block profile. Owns `bp` (a site profile, siteprof.h: configuration
 * set at load; sites changed under bp.lock, read lock-free when writing),
 * the per-thread sampling generator and the flightprof_block_write API.
 *
 * Go's sampling (runtime.SetBlockProfileRate): a wait of at least `rate`
 * ns is always recorded as itself; a shorter one is recorded with
 * probability wait/rate, as rate/wait contentions and `rate` ns of delay,
 * so that both totals stay unbiased. Go's conventions in the profile:
 * contentions/count and delay/nanoseconds by the waiter's stack, period 1
 * (the values are already scaled).
 *
 * Signal context: none.
 */
#include "blockprof.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

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
/* Contentions are counted in 1/2^16ths: a sampled short wait stands for
 * rate/wait of them. */
#define COUNT_ONE 65536

enum { CONTENTIONS, DELAY_NS };

static __thread uint64_t sample_rng __attribute__((tls_model("initial-exec")));

static struct fp_siteprof bp = {.lock = PTHREAD_MUTEX_INITIALIZER};
/* 2^64 / rate, set at start: a wait shorter than the rate is chosen when
 * a uniform 64-bit draw is under wait x this, with probability wait/rate
 * and no division on the waiting thread's path. */
static uint64_t choose_unit;

void fp_blockprof_wait(uint64_t wait_ns, const void *caller)
{
    int saved_errno = errno;
    uintptr_t pcs[FP_DEPTH_MAX];
    int64_t count = COUNT_ONE, delay = (int64_t)wait_ns;

    /* flightprof's own waits are not the program's. */
    if (!bp.on || wait_ns == 0 || fp_internal_active())
        return;
    if (wait_ns < bp.rate) {
        if (!sample_rng)
            sample_rng = fp_poisson_seed();
        if (fp_poisson_next(&sample_rng) >= wait_ns * choose_unit)
            return; /* not chosen: errno untouched */
        count = (int64_t)(((unsigned __int128)bp.rate * COUNT_ONE) / wait_ns);
        delay = (int64_t)bp.rate;
    }
    fp_internal_enter();
    int depth = fp_unwind_capture(bp.mode, caller, pcs, bp.depth);
    fp_siteprof_lock(&bp);
    fp_siteprof_add(&bp, pcs, depth, 0,
                    (const int64_t[]){[CONTENTIONS] = count, [DELAY_NS] = delay}, DELAY_NS + 1);
    fp_siteprof_unlock(&bp);
    fp_internal_leave();
    errno = saved_errno;
}

/* ---- writing ---------------------------------------------------------- */

static void site_values(const struct fp_siteprof *p, uint64_t tag,
                        const int64_t counters[FP_SITE_COUNTERS], int64_t *values)
{
    (void)p;
    (void)tag;
    values[0] = (counters[CONTENTIONS] + COUNT_ONE / 2) / COUNT_ONE;
    values[1] = counters[DELAY_NS];
}

static const struct fp_pprof_value_type block_types[] = {
    {"contentions", "count"},
    {"delay", "nanoseconds"},
};

static const struct fp_siteprof_kind block_kind = {
    .name = "block",
    .max_sites = MAX_SITES,
    .max_frames = MAX_FRAMES,
    .types = block_types,
    .ntypes = sizeof(block_types) / sizeof(block_types[0]),
    .period_type = {"contentions", "count"},
    .unit_period = true,
    .lost_what = "sampled waits",
    .values = site_values,
};

FP_EXPORT int flightprof_block_write(const char *path)
{
    return fp_siteprof_write_api(&bp, path, NULL);
}

/* ---- fork and start ------------------------------------------------------ */

FP_SITEPROF_HOOKS(block, bp)

static bool engine_start(const struct fp_config *cfg, unsigned *hooks)
{
    /* Before the profile is on: the wrappers read it from then. */
    choose_unit = UINT64_MAX / (cfg->block_rate_ns ? cfg->block_rate_ns : 1);
    if (!fp_siteprof_engine_start(&bp, &block_kind, cfg->block_on, cfg->block_path,
                                  cfg->block_rate_ns, cfg, block_period))
        return false;
    *hooks |= FP_HOOKS(FP_HOOK_LOCK, FP_FEED_BLOCK) | FP_HOOKS(FP_HOOK_WAIT, FP_FEED_BLOCK);
    return true;
}

struct fp_siteprof *fp_blockprof_profile(void)
{
    return bp.on ? &bp : NULL;
}

FP_SITEPROF_ENGINE(block, engine_start);
