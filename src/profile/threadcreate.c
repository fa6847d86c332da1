/*
 * The threadcreate profile. Owns `tc` (a site profile, siteprof.h:
 * configuration set at load; sites changed under tc.lock, read lock-free
 * when writing) and the flightprof_threadcreate_write API.
 *
 * Every thread creation is recorded: it costs tens of microseconds, a
 * stack capture a few. Go's conventions (printCountProfile): sample type
 * threadcreate/count by the creating stack, period 1.
 *
 * Signal context: none.
 */
#include "threadcreate.h"

#include <errno.h>
#include <stdbool.h>

#include "engine.h"
#include "flightprof.h"
#include "hooks.h"
#include "interpose.h"
#include "pprof.h"
#include "self.h"
#include "siteprof.h"
#include "sitetab.h"
#include "unwind.h"

#define MAX_SITES (4u << 10)
#define MAX_FRAMES (256u << 10)

static struct fp_siteprof tc = {.lock = PTHREAD_MUTEX_INITIALIZER};

void fp_threadcreate_record(const void *caller)
{
    int saved_errno = errno;
    uintptr_t pcs[FP_DEPTH_MAX];

    if (!tc.on || fp_internal_active())
        return;
    fp_internal_enter();
    int depth = fp_unwind_capture(tc.mode, caller, pcs, tc.depth);
    fp_siteprof_lock(&tc);
    fp_siteprof_add(&tc, pcs, depth, 0, (const int64_t[]){1}, 1);
    fp_siteprof_unlock(&tc);
    fp_internal_leave();
    errno = saved_errno;
}

/* ---- writing ---------------------------------------------------------- */

static void site_values(const struct fp_siteprof *p, uint64_t tag,
                        const int64_t counters[FP_SITE_COUNTERS], int64_t *values)
{
    (void)p;
    (void)tag;
    values[0] = counters[0];
}

static const struct fp_pprof_value_type tc_types[] = {{"threadcreate", "count"}};

static const struct fp_siteprof_kind tc_kind = {
    .name = "threadcreate",
    .max_sites = MAX_SITES,
    .max_frames = MAX_FRAMES,
    .types = tc_types,
    .ntypes = 1,
    .period_type = {"threadcreate", "count"},
    .unit_period = true,
    .lost_what = "thread creations",
    .values = site_values,
};

FP_EXPORT int flightprof_threadcreate_write(const char *path)
{
    return fp_siteprof_write_api(&tc, path, NULL);
}

/* ---- fork and start ------------------------------------------------------ */

FP_SITEPROF_HOOKS(threadcreate, tc)

static bool engine_start(const struct fp_config *cfg, unsigned *hooks)
{
    if (!fp_siteprof_engine_start(&tc, &tc_kind, cfg->threadcreate_on, cfg->threadcreate_path, 1,
                                  cfg, threadcreate_period))
        return false;
    *hooks |= FP_HOOKS(FP_HOOK_THREAD, FP_FEED_PROFILE);
    return true;
}

struct fp_siteprof *fp_threadcreate_profile(void)
{
    return tc.on ? &tc : NULL;
}

FP_SITEPROF_ENGINE(threadcreate, engine_start);
