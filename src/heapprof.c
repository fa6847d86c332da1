/*
 * The heap profile. Owns `heap` (configuration and tables: set up at load,
 * before the allocator wrappers feed it; the tables are changed under
 * heap.lock and read lock-free), the per-thread sampling state, and the
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
#include "clock.h"
#include "heapprof.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "flightprof.h"
#include "heapset.h"
#include "hooks.h"
#include "interpose.h"
#include "libc.h"
#include "lifecycle.h"
#include "log.h"
#include "outfile.h"
#include "poisson.h"
#include "pprof.h"
#include "self.h"
#include "service.h"
#include "sigview.h"
#include "sitetab.h"
#include "unwind.h"
#include "writer.h"

#define MAX_SITES (128u << 10)
#define MAX_FRAMES (4u << 20)
#define MAX_BLOCKS_SLOTS (8u << 20) /* up to 4M sampled blocks in use */

/* Site counters. In use = allocated - freed. */
enum { ALLOC_OBJECTS, ALLOC_BYTES, FREE_OBJECTS, FREE_BYTES };

__thread int64_t fp_heapprof_countdown __attribute__((tls_model("initial-exec")));
struct fp_heapset fp_heapprof_blocks;
/* The thread's generator; 0 until its first sample decision. */
static __thread uint64_t sample_rng __attribute__((tls_model("initial-exec")));

static struct {
    bool on;
    uint64_t rate;
    enum fp_unwind_mode mode;
    int depth;
    char pattern[PATH_MAX];
    int64_t start_wall_ns, start_mono_ns;
    pthread_mutex_t lock; /* serialises changes to fp_heapprof_blocks and `sites` */
    struct fp_sitetab *sites;
    uint64_t lost_sites;   /* samples without room for their site (lock) */
    uint64_t untracked;    /* sampled blocks without room in the set (lock) */
} heap = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* ---- recording -------------------------------------------------------- */

static void lock_tables(void)
{
    fp_libc_pthread_mutex_lock(&heap.lock);
}

static void unlock_tables(void)
{
    pthread_mutex_unlock(&heap.lock);
}

static void record_block(const void *ptr, size_t size, const uintptr_t *pcs, int depth)
{
    lock_tables();
    uint32_t site = fp_sitetab_get(heap.sites, pcs, depth, size);
    if (!site) {
        heap.lost_sites++;
    } else {
        fp_sitetab_count(heap.sites, site, ALLOC_OBJECTS, 1);
        fp_sitetab_count(heap.sites, site, ALLOC_BYTES, (int64_t)size);
        if (!fp_heapset_insert(&fp_heapprof_blocks, (uintptr_t)ptr, site)) {
            /* Untracked, it would stay in use forever: count it freed. */
            heap.untracked++;
            fp_sitetab_count(heap.sites, site, FREE_OBJECTS, 1);
            fp_sitetab_count(heap.sites, site, FREE_BYTES, (int64_t)size);
        }
    }
    unlock_tables();
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
    int depth = fp_sitetab_capture(heap.mode, caller, pcs, heap.depth);
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
    lock_tables();
    uint32_t site = fp_heapset_remove(&fp_heapprof_blocks, (uintptr_t)ptr);
    if (site)
        count_freed(site, 1);
    unlock_tables();
    fp_internal_leave();
    errno = saved_errno;
    return site;
}

void fp_heapprof_restore(const void *ptr, uint32_t token)
{
    int saved_errno = errno;

    fp_internal_enter();
    lock_tables();
    if (fp_heapset_insert(&fp_heapprof_blocks, (uintptr_t)ptr, token))
        count_freed(token, -1);
    else
        heap.untracked++;
    unlock_tables();
    fp_internal_leave();
    errno = saved_errno;
}

/* ---- writing ---------------------------------------------------------- */

struct write_ctx {
    struct fp_pprof *profile;
    int failed;
};

/* Go's scaleHeapSample: every block of the site has `size` bytes. */
static void unsample(int64_t objects, int64_t size, int64_t out[2])
{
    double scale = fp_poisson_scale((double)size, heap.rate);

    out[0] = (int64_t)((double)objects * scale + 0.5);
    out[1] = (int64_t)((double)objects * (double)size * scale + 0.5);
}

static void add_site(void *arg, const uintptr_t *pcs, int depth, uint64_t size,
                     const int64_t counters[FP_SITE_COUNTERS])
{
    struct write_ctx *ctx = arg;
    uint64_t addrs[FP_DEPTH_MAX];
    int64_t values[4];
    struct fp_pprof_label label = {.key = "bytes", .num = (int64_t)size, .num_unit = "bytes"};

    unsample(counters[ALLOC_OBJECTS], (int64_t)size, &values[0]);
    unsample(counters[ALLOC_OBJECTS] - counters[FREE_OBJECTS], (int64_t)size, &values[2]);
    fp_unwind_to_locations(addrs, pcs, depth, false);
    if (fp_pprof_add_sample(ctx->profile, addrs, depth, values, &label, 1) != 0)
        ctx->failed = 1;
}

static void add_comments(struct fp_pprof *profile)
{
    char line[160];

    lock_tables();
    uint64_t lost_sites = heap.lost_sites, untracked = heap.untracked;
    unlock_tables();
    if (lost_sites) {
        snprintf(line, sizeof(line), "flightprof: %llu sampled allocations had no room in the site table",
                 (unsigned long long)lost_sites);
        fp_pprof_add_comment(profile, line);
    }
    if (untracked) {
        snprintf(line, sizeof(line),
                 "flightprof: %llu sampled blocks could not be tracked and count as freed",
                 (unsigned long long)untracked);
        fp_pprof_add_comment(profile, line);
    }
}

/* At exit a descendant process writes nothing if nothing was sampled
 * (fp_lifecycle_descendant). */
static int write_profile(const char *path, const char *default_type, bool at_exit)
{
    static const struct fp_pprof_value_type types[] = {
        {"alloc_objects", "count"},
        {"alloc_space", "bytes"},
        {"inuse_objects", "count"},
        {"inuse_space", "bytes"},
    };
    static const struct fp_pprof_value_type period_type = {"space", "bytes"};
    struct write_ctx ctx = {0};

    fp_internal_enter(); /* our allocations are not the program's */
    ctx.profile = fp_pprof_new(types, 4, period_type, (int64_t)heap.rate);
    if (ctx.profile) {
        fp_pprof_set_time(ctx.profile, heap.start_wall_ns,
                          (int64_t)fp_clock_ns(CLOCK_MONOTONIC) - heap.start_mono_ns);
        if (default_type)
            fp_pprof_set_default_sample_type(ctx.profile, default_type);
        fp_sitetab_foreach(heap.sites, add_site, &ctx);
        add_comments(ctx.profile);
    }
    int rc = fp_writer_write_and_free(ctx.profile, ctx.failed, at_exit && fp_lifecycle_descendant(),
                                      "heap", path);
    fp_internal_leave();
    return rc;
}

/* The configured output for this process (a fork child's gets its pid). */
static int write_configured(bool at_exit)
{
    char path[PATH_MAX];

    fp_lifecycle_output_path(heap.pattern, heap.start_wall_ns, path);
    return write_profile(path, NULL, at_exit);
}

static int api_write(const char *path, const char *default_type)
{
    if (!heap.on) {
        errno = ESRCH;
        return -1;
    }
    if (!path || !*path) {
        errno = EINVAL;
        return -1;
    }
    return write_profile(path, default_type, false);
}

FP_EXPORT int flightprof_heap_write(const char *path)
{
    return api_write(path, NULL);
}

FP_EXPORT int flightprof_allocs_write(const char *path)
{
    return api_write(path, "alloc_space");
}

static void write_at_exit(int status)
{
    (void)status;
    if (heap.on)
        write_configured(true);
}

static void write_on_signal(void)
{
    write_configured(false);
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

/* ---- fork --------------------------------------------------------------- */

/* No other thread may hold the lock across fork: the child would find it
 * locked forever. */
static void before_fork(void)
{
    fp_internal_enter();
    lock_tables();
}

static void after_fork_parent(void)
{
    unlock_tables();
    fp_internal_leave();
}

/* The child keeps the parent's blocks (they are in use in the child too)
 * and writes its own file. */
static void after_fork_child(void)
{
    pthread_mutex_init(&heap.lock, NULL);
    fp_internal_leave();
}

/* ---- start -------------------------------------------------------------- */

static int start(const struct fp_config *cfg)
{
    heap.rate = cfg->heap_rate ? cfg->heap_rate : 1;
    heap.mode = cfg->unwind;
    heap.depth = cfg->depth;
    snprintf(heap.pattern, sizeof(heap.pattern), "%s", cfg->heap_path);
    heap.start_wall_ns = (int64_t)fp_clock_ns(CLOCK_REALTIME);
    heap.start_mono_ns = (int64_t)fp_clock_ns(CLOCK_MONOTONIC);
    heap.sites = fp_sitetab_new(MAX_SITES, MAX_FRAMES);
    if (!heap.sites || fp_heapset_init(&fp_heapprof_blocks, MAX_BLOCKS_SLOTS) != 0)
        return -1;
    if (cfg->heap_signal)
        catch_heap_signal(cfg->heap_signal);
    heap.on = true;
    return 0;
}

static bool engine_start(const struct fp_config *cfg, unsigned *hooks)
{
    if (!cfg->heap_path[0])
        return false;
    if (start(cfg) != 0) {
        fp_log("FLIGHTPROF_HEAP=%s: cannot reserve memory for the heap profile: %s; not profiling",
               cfg->heap_path, strerror(errno));
        return false;
    }
    *hooks |= FP_HOOKS(FP_HOOK_ALLOC, FP_FEED_PROFILE);
    return true;
}

const struct fp_engine fp_heap_engine = {
    .name = "heap",
    .start = engine_start,
    .fork_prepare = before_fork,
    .fork_parent = after_fork_parent,
    .fork_child = after_fork_child,
    .exit = write_at_exit,
};
