/*
 * The heap profile. Owns `heap` (its site profile, siteprof.h: set up at
 * load, before the allocator wrappers feed it; the tables are changed
 * under heap.lock and read lock-free), the sampled-block set and its
 * `untracked` count, the per-thread sampling state, and the
 * flightprof_heap_write / flightprof_allocs_write API.
 *
 * Sampled blocks live in a set keyed by address (fp_heapprof_blocks,
 * changed under heap.lock) that free and realloc, from any thread, search
 * without a lock, so that an unsampled block costs no lock.
 * Sites are (stack, size): all blocks of a site have one size, so Go's
 * unsampling factor applies to the site exactly as Go applies it to its
 * buckets.
 *
 * Signal context: on_heap_signal.
 */
#include "heapprof.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "flightprof.h"
#include "heapset.h"
#include "hooks.h"
#include "interpose.h"
#include "log.h"
#include "period.h"
#include "poisson.h"
#include "pprof.h"
#include "self.h"
#include "service.h"
#include "sigview.h"
#include "siteprof.h"
#include "sitetab.h"
#include "unwind.h"

#define MAX_SITES (128u << 10)
#define MAX_FRAMES (4u << 20)
#define MAX_BLOCKS_SLOTS (8u << 20) /* up to 4M sampled blocks in use */

/* Site counters. In use = allocated - freed. */
enum { ALLOC_OBJECTS, ALLOC_BYTES, FREE_OBJECTS, FREE_BYTES };

__thread int64_t fp_heapprof_countdown __attribute__((tls_model("initial-exec")));
struct fp_heapset fp_heapprof_blocks;
/* The thread's generator; 0 until its first sample decision. */
static __thread uint64_t sample_rng __attribute__((tls_model("initial-exec")));

/* heap.lock also serialises changes to fp_heapprof_blocks and `untracked`. */
static struct fp_siteprof heap = {.lock = PTHREAD_MUTEX_INITIALIZER};
static uint64_t untracked; /* sampled blocks without room in the set (lock) */

/* ---- recording -------------------------------------------------------- */

static void record_block(const void *ptr, size_t size, const uintptr_t *pcs, int depth)
{
    fp_siteprof_lock(&heap);
    uint32_t site = fp_siteprof_add(&heap, pcs, depth, size,
                                    (const int64_t[]){[ALLOC_OBJECTS] = 1, [ALLOC_BYTES] = (int64_t)size},
                                    ALLOC_BYTES + 1);
    if (site && !fp_heapset_insert(&fp_heapprof_blocks, (uintptr_t)ptr, site)) {
        /* Untracked, it would stay in use forever: count it freed. */
        untracked++;
        fp_sitetab_count(heap.sites, site, FREE_OBJECTS, 1);
        fp_sitetab_count(heap.sites, site, FREE_BYTES, (int64_t)size);
    }
    fp_siteprof_unlock(&heap);
}

void fp_heapprof_sample(const void *ptr, size_t size, const void *caller)
{
    int saved_errno = errno;

    if (!heap.on)
        return;
    fp_internal_enter();
    if (!sample_rng) {
        /* The thread's first tick: its countdown started at 0, not at a
         * random interval. Draw one and count this allocation against it. */
        sample_rng = fp_poisson_seed();
        fp_heapprof_countdown += fp_poisson_interval(&sample_rng, heap.rate);
        if (fp_heapprof_countdown > 0)
            goto out;
    }
    fp_heapprof_countdown = fp_poisson_interval(&sample_rng, heap.rate);
    /* Unwinding happens outside the lock: it may take the loader's lock,
     * which a thread allocating inside dlopen holds. */
    uintptr_t pcs[FP_DEPTH_MAX];
    int depth = fp_unwind_capture(heap.mode, caller, pcs, heap.depth);
    record_block(ptr, size, pcs, depth);
out:
    fp_internal_leave();
    errno = saved_errno;
}

static void count_freed(uint32_t site, int64_t sign)
{
    fp_sitetab_count(heap.sites, site, FREE_OBJECTS, sign);
    fp_sitetab_count(heap.sites, site, FREE_BYTES, sign * (int64_t)fp_sitetab_tag(heap.sites, site));
}

uint32_t fp_heapprof_forget(const void *ptr)
{
    if (!fp_heapset_contains(&fp_heapprof_blocks, (uintptr_t)ptr))
        return 0;
    int saved_errno = errno;
    fp_internal_enter();
    fp_siteprof_lock(&heap);
    uint32_t site = fp_heapset_remove(&fp_heapprof_blocks, (uintptr_t)ptr);
    if (site)
        count_freed(site, 1);
    fp_siteprof_unlock(&heap);
    fp_internal_leave();
    errno = saved_errno;
    return site;
}

void fp_heapprof_restore(const void *ptr, uint32_t token)
{
    int saved_errno = errno;

    fp_internal_enter();
    fp_siteprof_lock(&heap);
    if (fp_heapset_insert(&fp_heapprof_blocks, (uintptr_t)ptr, token))
        count_freed(token, -1);
    else
        untracked++;
    fp_siteprof_unlock(&heap);
    fp_internal_leave();
    errno = saved_errno;
}

/* ---- writing ---------------------------------------------------------- */

/* Go's scaleHeapSample: every block of the site has `size` bytes. */
static void unsample(uint64_t rate, int64_t objects, int64_t size, int64_t out[2])
{
    double scale = fp_poisson_scale((double)size, rate);

    out[0] = (int64_t)((double)objects * scale + 0.5);
    out[1] = (int64_t)((double)objects * (double)size * scale + 0.5);
}

static void site_values(const struct fp_siteprof *p, uint64_t size,
                        const int64_t counters[FP_SITE_COUNTERS], int64_t *values)
{
    unsample(p->rate, counters[ALLOC_OBJECTS], (int64_t)size, &values[0]);
    unsample(p->rate, counters[ALLOC_OBJECTS] - counters[FREE_OBJECTS], (int64_t)size, &values[2]);
}

static void add_comments(struct fp_pprof *profile)
{
    char line[160];

    fp_siteprof_lock(&heap);
    uint64_t n = untracked;
    fp_siteprof_unlock(&heap);
    if (n) {
        snprintf(line, sizeof(line),
                 "flightprof: %llu sampled blocks could not be tracked and count as freed",
                 (unsigned long long)n);
        fp_pprof_add_comment(profile, line);
    }
}

static const struct fp_pprof_value_type heap_types[] = {
    {"alloc_objects", "count"},
    {"alloc_space", "bytes"},
    {"inuse_objects", "count"},
    {"inuse_space", "bytes"},
};

static const struct fp_siteprof_kind heap_kind = {
    .name = "heap",
    .max_sites = MAX_SITES,
    .max_frames = MAX_FRAMES,
    .types = heap_types,
    .ntypes = sizeof(heap_types) / sizeof(heap_types[0]),
    .period_type = {"space", "bytes"},
    .tag_label = "bytes", /* the block size */
    .tag_unit = "bytes",
    .lost_what = "sampled allocations",
    .values = site_values,
    .add_comments = add_comments,
};

FP_EXPORT int flightprof_heap_write(const char *path)
{
    return fp_siteprof_write_api(&heap, path, NULL);
}

FP_EXPORT int flightprof_allocs_write(const char *path)
{
    return fp_siteprof_write_api(&heap, path, "alloc_space");
}

static void write_on_signal(void)
{
    fp_siteprof_write_configured(&heap, false);
}

static void on_heap_signal(int sig, siginfo_t *info, void *ucontext)
{
    (void)sig;
    (void)info;
    (void)ucontext;
    fp_service_post(FP_JOB_HEAP_WRITE); /* preserves errno */
}

static void heap_signal_taken(int sig)
{
    fp_log("the program takes signal %d (FLIGHTPROF_HEAP_SIGNAL) for itself; "
           "heap profiles on that signal are off while it does", sig);
}

/* The program keeps the signal if it handles it itself (sigview.h). */
static void catch_heap_signal(int sig)
{
    fp_service_register(FP_JOB_HEAP_WRITE, write_on_signal);
    if (fp_sigview_hold(sig, on_heap_signal, 0, FP_SIGVIEW_YIELD, heap_signal_taken) != 0)
        fp_log("FLIGHTPROF_HEAP_SIGNAL: cannot catch signal %d: %s", sig,
               errno == EBUSY ? "the program handles it" : strerror(errno));
}

/* ---- fork and start ---------------------------------------------------- */

/* A fork child keeps the parent's blocks (they are in use in the child
 * too) and writes its own file. */
FP_SITEPROF_HOOKS(heap, heap)

static bool engine_start(const struct fp_config *cfg, unsigned *hooks)
{
    if (!cfg->heap_on)
        return false;
    if (fp_siteprof_start(&heap, &heap_kind, cfg->heap_path, cfg->heap_rate, cfg) != 0 ||
        fp_heapset_init(&fp_heapprof_blocks, MAX_BLOCKS_SLOTS) != 0) {
        fp_log("cannot reserve memory for the heap profile: %s; not profiling", strerror(errno));
        return false;
    }
    if (heap.periodic)
        fp_period_add(heap_period);
    if (cfg->heap_signal && cfg->heap_path[0])
        catch_heap_signal(cfg->heap_signal);
    heap.on = true;
    *hooks |= FP_HOOKS(FP_HOOK_ALLOC, FP_FEED_PROFILE);
    return true;
}

struct fp_siteprof *fp_heapprof_profile(void)
{
    return heap.on ? &heap : NULL;
}

FP_SITEPROF_ENGINE(heap, engine_start);
