/*
 * The CPU profile. Owns the profiler's state (`cpu`, guarded by cpu_lock
 * for every transition; the sample consumer only reads `cpu.table`, which
 * stays valid while the sampler runs).
 *
 * Signal context: on_sample.
 */
#include "clock.h"
#include "cpu.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "flightprof.h"
#include "interpose.h"
#include "libc.h"
#include "lifecycle.h"
#include "lineage.h"
#include "log.h"
#include "outfile.h"
#include "pprof.h"
#include "sampler.h"
#include "self.h"
#include "stacktab.h"
#include "threads.h"
#include "unwind.h"
#include "writer.h"

#define TABLE_SLOTS (64u << 10)
#define TABLE_FRAMES (4u << 20)
#define LOST_FRAME "[flightprof: lost samples]"

static pthread_mutex_t cpu_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    struct fp_stacktab *table; /* NULL when the profile is off */
    char pattern[PATH_MAX];    /* as given; expanded when written (a fork
                                  child's %p is its own) */
    int hz;
    enum fp_unwind_mode mode;
    int depth;
    int64_t start_wall_ns, start_mono_ns;
} cpu;

static void on_sample(const uintptr_t *pcs, int depth, int tid, uint64_t weight)
{
    struct fp_stacktab *table = cpu.table;

    /* The table counts periods, so each sample's value is the CPU time it
     * stands for. NULL while the sampler runs for another consumer. */
    if (table)
        fp_stacktab_add(table, tid, pcs, depth, weight);
}

/* ---- writing ---------------------------------------------------------- */

struct write_ctx {
    struct fp_pprof *profile;
    int64_t period;
    int failed;
};

static void label_thread(int tid, char *name, struct fp_pprof_label labels[2])
{
    if (!fp_threads_get_name(tid, name) || !name[0])
        snprintf(name, FP_THREAD_NAME_MAX, "%d", tid);
    labels[0] = (struct fp_pprof_label){.key = "thread", .str = name};
    labels[1] = (struct fp_pprof_label){.key = "tid", .num = tid, .num_unit = "id"};
}

static void add_stack(void *arg, int tid, const uintptr_t *pcs, int depth, uint64_t count)
{
    struct write_ctx *ctx = arg;
    uint64_t addrs[FP_DEPTH_MAX];
    int64_t values[2] = {(int64_t)count, (int64_t)count * ctx->period};
    char name[FP_THREAD_NAME_MAX];
    struct fp_pprof_label labels[2];

    fp_unwind_to_locations(addrs, pcs, depth, true);
    label_thread(tid, name, labels);
    if (fp_pprof_add_sample(ctx->profile, addrs, depth, values, labels, 2) != 0)
        ctx->failed = 1;
}

static void add_comments(struct fp_pprof *profile)
{
    struct fp_unwind_stats stats;
    char line[160];

    fp_unwind_stats(&stats);
    if (stats.loader_fallbacks) {
        snprintf(line, sizeof(line),
                 "flightprof: %llu samples inside the dynamic loader were unwound with frame pointers",
                 (unsigned long long)stats.loader_fallbacks);
        fp_pprof_add_comment(profile, line);
    }
    if (stats.libunwind_failures) {
        snprintf(line, sizeof(line),
                 "flightprof: %llu samples libunwind could not unwind were unwound with frame pointers",
                 (unsigned long long)stats.libunwind_failures);
        fp_pprof_add_comment(profile, line);
    }
}

/* This function must be called with cpu_lock held and cpu.table set.
 * At exit a descendant process writes nothing if it was never sampled
 * (fp_lineage_descendant). */
static int write_profile(bool at_exit)
{
    static const struct fp_pprof_value_type types[] = {
        {"samples", "count"},
        {"cpu", "nanoseconds"},
    };
    struct write_ctx ctx = {.period = 1000000000 / cpu.hz};
    char path[PATH_MAX];

    fp_internal_enter(); /* our allocations are not the program's */
    ctx.profile = fp_pprof_new(types, 2, types[1], ctx.period);
    if (ctx.profile) {
        fp_pprof_set_time(ctx.profile, cpu.start_wall_ns,
                          (int64_t)fp_clock_ns(CLOCK_MONOTONIC) - cpu.start_mono_ns);
        fp_stacktab_foreach(cpu.table, add_stack, &ctx);
        uint64_t lost = fp_stacktab_lost(cpu.table);
        if (lost) {
            int64_t values[2] = {(int64_t)lost, (int64_t)lost * ctx.period};
            ctx.failed |= fp_pprof_add_synthetic_sample(ctx.profile, LOST_FRAME, values, NULL, 0);
        }
        add_comments(ctx.profile);
    }
    fp_lineage_output_path(cpu.pattern, cpu.start_wall_ns, path);
    int rc = fp_writer_write_and_free(ctx.profile, ctx.failed, at_exit && fp_lineage_descendant(),
                                      "CPU", path);
    fp_internal_leave();
    return rc;
}

/* ---- starting and stopping -------------------------------------------- */

/* An unusable path is reported when profiling starts, not when it ends:
 * the first process creates (and removes) a temporary file next to the
 * target; its descendants, which inherit a path that worked there, only
 * check the directory (creating a file is much of what a short process
 * pays on some filesystems). */
static int check_writable(const char *path)
{
    char tmp[PATH_MAX];

    if (fp_lineage_descendant())
        return fp_outfile_dir_writable(path);
    int fd = fp_outfile_open_temp(path, tmp, sizeof(tmp));
    if (fd < 0)
        return -1;
    close(fd);
    unlink(tmp);
    return 0;
}

/* This function must be called with cpu_lock held. */
static int start_locked(const char *pattern, int hz, enum fp_unwind_mode mode, int depth)
{
    char path[PATH_MAX];

    if (cpu.table) {
        errno = EALREADY;
        return -1;
    }
    snprintf(cpu.pattern, sizeof(cpu.pattern), "%s", pattern);
    cpu.hz = hz;
    cpu.mode = mode;
    cpu.depth = depth;
    cpu.start_wall_ns = (int64_t)fp_clock_ns(CLOCK_REALTIME);
    cpu.start_mono_ns = (int64_t)fp_clock_ns(CLOCK_MONOTONIC);
    fp_lineage_output_path(cpu.pattern, cpu.start_wall_ns, path);
    if (check_writable(path) != 0)
        return -1;
    cpu.table = fp_stacktab_new(TABLE_SLOTS, TABLE_FRAMES);
    if (!cpu.table)
        return -1;
    fp_unwind_init(); /* the API can start profiling with nothing configured */
    fp_threads_register_existing();
    if (fp_sampler_start(hz, mode, depth) != 0) {
        int saved = errno;
        fp_stacktab_free(cpu.table);
        cpu.table = NULL;
        errno = saved;
        return -1;
    }
    return 0;
}

/* This function must be called with cpu_lock held and cpu.table set. */
static int stop_locked(bool at_exit)
{
    fp_sampler_stop();
    int rc = write_profile(at_exit);
    fp_stacktab_free(cpu.table);
    cpu.table = NULL;
    return rc;
}

FP_EXPORT int flightprof_cpu_start(const char *path, int hz)
{
    const struct fp_config *cfg = fp_lifecycle_config();

    if (!path || !*path || hz < 0 || hz > FP_HZ_MAX) {
        errno = EINVAL;
        return -1;
    }
    fp_libc_pthread_mutex_lock(&cpu_lock);
    int rc = start_locked(path, hz ? hz : FP_HZ_DEFAULT, cfg->unwind, cfg->depth);
    pthread_mutex_unlock(&cpu_lock);
    return rc;
}

FP_EXPORT int flightprof_cpu_flush(void)
{
    int rc = -1;

    fp_libc_pthread_mutex_lock(&cpu_lock);
    if (cpu.table)
        rc = write_profile(false);
    else
        errno = ESRCH;
    pthread_mutex_unlock(&cpu_lock);
    return rc;
}

FP_EXPORT int flightprof_cpu_stop(void)
{
    int rc = -1;

    fp_libc_pthread_mutex_lock(&cpu_lock);
    if (cpu.table)
        rc = stop_locked(false);
    else
        errno = ESRCH;
    pthread_mutex_unlock(&cpu_lock);
    return rc;
}

static void write_at_exit(int status)
{
    (void)status;
    fp_sampler_stop();
    fp_libc_pthread_mutex_lock(&cpu_lock);
    if (cpu.table)
        stop_locked(true);
    pthread_mutex_unlock(&cpu_lock);
}

/* A fork child profiles itself from zero into its own file (the sampler
 * re-arms it after every engine's fork hook: init.c). */
static void after_fork_child(void)
{
    pthread_mutex_init(&cpu_lock, NULL);
    if (cpu.table) {
        fp_stacktab_reset(cpu.table);
        cpu.start_wall_ns = (int64_t)fp_clock_ns(CLOCK_REALTIME);
        cpu.start_mono_ns = (int64_t)fp_clock_ns(CLOCK_MONOTONIC);
    }
}

/* Always part of the lifecycle: the API can start the profile later. */
static bool engine_start(const struct fp_config *cfg, unsigned *hooks)
{
    (void)hooks; /* samples come from the sampler, not from wrappers */
    fp_sampler_add_consumer(on_sample);
    if (cfg->cpu_path[0] && start_locked(cfg->cpu_path, cfg->hz, cfg->unwind, cfg->depth) != 0)
        fp_log("FLIGHTPROF_CPU=%s: cannot start the CPU profiler: %s; running unprofiled",
               cfg->cpu_path,
               errno == EBUSY ? "the program owns SIGPROF or ITIMER_PROF" : strerror(errno));
    return true;
}

const struct fp_engine fp_cpu_engine = {
    .name = "cpu",
    .start = engine_start,
    .fork_child = after_fork_child,
    .exit = write_at_exit,
};
