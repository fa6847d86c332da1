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
#include "mem.h"
#include "outfile.h"
#include "period.h"
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

/* A window on the samples: the profile written to a file counts from its
 * start, an endpoint request from its own (fp_cpu_window_open). */
struct fp_cpu_window {
    struct fp_stacktab_mark since;
    int64_t start_wall_ns, start_mono_ns;
};

static pthread_mutex_t cpu_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    /* Exists while `users` > 0 (the file profile and open windows), who
     * share one hold on the sampler. Read by on_sample with an atomic
     * load. */
    struct fp_stacktab *table;
    int users;
    int64_t period_ns;         /* the sampler's, when the table was made */
    uint64_t retired_lost;     /* lost samples of tables freed */
    bool file_on;              /* the profile written to `pattern` */
    bool periodic;             /* ... every FLIGHTPROF_PERIOD (period.h) */
    struct fp_cpu_window file;
    char pattern[PATH_MAX];    /* as given; expanded when written (a fork
                                  child's %p is its own) */
} cpu;

static void on_sample(const uintptr_t *pcs, int depth, int tid, uint64_t weight)
{
    struct fp_stacktab *table = __atomic_load_n(&cpu.table, __ATOMIC_ACQUIRE);

    /* The table counts periods, so each sample's value is the CPU time it
     * stands for. NULL while the sampler runs for another consumer. */
    if (table)
        fp_stacktab_add(table, tid, pcs, depth, weight);
}

/* ---- the table's users ------------------------------------------------ */

/* One more user of the table; the first makes it and takes the sampler at
 * the configured rate. This function must be called with cpu_lock held.
 * Returns 0, or -1 with errno. */
static int hold_table(int hz)
{
    const struct fp_config *cfg = fp_lifecycle_config();

    if (cpu.users == 0) {
        struct fp_stacktab *table = fp_stacktab_new(TABLE_SLOTS, TABLE_FRAMES);
        if (!table)
            return -1;
        __atomic_store_n(&cpu.table, table, __ATOMIC_RELEASE);
        fp_unwind_init(); /* the API and the endpoint can sample with nothing configured */
        fp_threads_register_existing();
        if (fp_sampler_acquire(hz, cfg->unwind, cfg->depth) != 0) {
            int saved = errno;
            __atomic_store_n(&cpu.table, NULL, __ATOMIC_RELEASE);
            fp_stacktab_free(table);
            errno = saved;
            return -1;
        }
        cpu.period_ns = fp_sampler_period_ns();
    }
    cpu.users++;
    return 0;
}

/* One user fewer; the last one lets go of the sampler and frees the table
 * once no handler can be adding to it (the sampler may run on for the
 * recorder). This function must be called with cpu_lock held. */
static void drop_table(void)
{
    if (--cpu.users > 0)
        return;
    struct fp_stacktab *table = cpu.table;
    fp_sampler_release();
    __atomic_store_n(&cpu.table, NULL, __ATOMIC_SEQ_CST);
    fp_sampler_wait_handlers();
    cpu.retired_lost += fp_stacktab_lost(table, NULL);
    fp_stacktab_free(table);
}

/* This function must be called with cpu_lock held and the table in use. */
static int window_start(struct fp_cpu_window *w)
{
    w->start_wall_ns = (int64_t)fp_clock_ns(CLOCK_REALTIME);
    w->start_mono_ns = (int64_t)fp_clock_ns(CLOCK_MONOTONIC);
    return fp_stacktab_mark(cpu.table, &w->since);
}

/* ---- building the profile ----------------------------------------------- */

struct build_ctx {
    struct fp_pprof *profile;
    int64_t period;
    bool failed;
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
    struct build_ctx *ctx = arg;
    uint64_t addrs[FP_DEPTH_MAX];
    int64_t values[2] = {(int64_t)count, (int64_t)count * ctx->period};
    char name[FP_THREAD_NAME_MAX];
    struct fp_pprof_label labels[2];

    int n = fp_unwind_to_locations(addrs, pcs, depth, true);
    label_thread(tid, name, labels);
    if (fp_pprof_add_sample(ctx->profile, addrs, n, values, labels, 2) != 0)
        ctx->failed = true;
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

/* The samples of window `w` until now as a profile (NULL when out of
 * memory; *failed when a sample could not be added). This function must
 * be called with cpu_lock held, the table in use, in the internal scope. */
static struct fp_pprof *build(const struct fp_cpu_window *w, bool *failed)
{
    static const struct fp_pprof_value_type types[] = {
        {"samples", "count"},
        {"cpu", "nanoseconds"},
    };
    struct build_ctx ctx = {.period = cpu.period_ns};

    ctx.profile = fp_pprof_new(types, 2, types[1], ctx.period);
    if (ctx.profile) {
        fp_pprof_set_time(ctx.profile, w->start_wall_ns,
                          (int64_t)fp_clock_ns(CLOCK_MONOTONIC) - w->start_mono_ns);
        fp_stacktab_foreach(cpu.table, &w->since, add_stack, &ctx);
        uint64_t lost = fp_stacktab_lost(cpu.table, &w->since);
        if (lost) {
            int64_t values[2] = {(int64_t)lost, (int64_t)lost * ctx.period};
            ctx.failed |= fp_pprof_add_synthetic_sample(ctx.profile, LOST_FRAME, values, NULL, 0) != 0;
        }
        add_comments(ctx.profile);
    }
    *failed = ctx.failed;
    return ctx.profile;
}

/* This function must be called with cpu_lock held and the file profile
 * on. At exit a descendant process writes nothing if it was never sampled
 * (fp_lineage_descendant). */
static int write_profile(bool at_exit)
{
    char path[PATH_MAX];
    bool failed;

    fp_internal_enter(); /* our allocations are not the program's */
    struct fp_pprof *profile = build(&cpu.file, &failed);
    fp_lineage_output_path(cpu.pattern, cpu.file.start_wall_ns, path);
    int rc = fp_writer_write_and_free(profile, failed, at_exit && fp_lineage_descendant(), "CPU", path);
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
static int start_locked(const char *pattern, int hz)
{
    char path[PATH_MAX];

    if (cpu.file_on) {
        errno = EALREADY;
        return -1;
    }
    snprintf(cpu.pattern, sizeof(cpu.pattern), "%s", pattern);
    fp_lineage_output_path(cpu.pattern, (int64_t)fp_clock_ns(CLOCK_REALTIME), path);
    if (check_writable(path) != 0 || hold_table(hz) != 0)
        return -1;
    if (window_start(&cpu.file) != 0) {
        drop_table();
        return -1;
    }
    cpu.file_on = true;
    return 0;
}

/* Period `seq` of the file profile: its samples since the last one, and
 * a new window from now. This function must be called in the internal
 * scope. */
static int write_period(uint64_t seq)
{
    char path[PATH_MAX];
    bool failed;
    int rc = 0;

    fp_libc_pthread_mutex_lock(&cpu_lock);
    if (cpu.file_on && cpu.periodic) {
        /* The next period starts as this one's samples are taken, not
         * once they are written: writing takes time. */
        struct fp_pprof *profile = build(&cpu.file, &failed);
        fp_lineage_period_path(cpu.pattern, cpu.file.start_wall_ns, seq, path);
        fp_stacktab_mark_free(&cpu.file.since);
        window_start(&cpu.file);
        rc = fp_writer_write_and_free(profile, failed, fp_lineage_descendant(), "CPU", path);
    }
    pthread_mutex_unlock(&cpu_lock);
    return rc;
}

/* This function must be called with cpu_lock held and the file profile
 * on. A periodic profile's last period was written before its exit. */
static int stop_locked(bool at_exit)
{
    int rc = cpu.periodic && at_exit ? 0 : write_profile(at_exit);

    fp_stacktab_mark_free(&cpu.file.since);
    cpu.file_on = false;
    drop_table();
    return rc;
}

FP_EXPORT int flightprof_cpu_start(const char *path, int hz)
{
    if (!path || !*path || hz < 0 || hz > FP_HZ_MAX) {
        errno = EINVAL;
        return -1;
    }
    fp_libc_pthread_mutex_lock(&cpu_lock);
    fp_internal_enter(); /* the mark is our allocation */
    int rc = start_locked(path, hz ? hz : FP_HZ_DEFAULT);
    fp_internal_leave();
    pthread_mutex_unlock(&cpu_lock);
    return rc;
}

FP_EXPORT int flightprof_cpu_flush(void)
{
    int rc = -1;

    fp_libc_pthread_mutex_lock(&cpu_lock);
    if (cpu.file_on)
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
    if (cpu.file_on)
        rc = stop_locked(false);
    else
        errno = ESRCH;
    pthread_mutex_unlock(&cpu_lock);
    return rc;
}

uint64_t fp_cpu_lost_total(void)
{
    fp_libc_pthread_mutex_lock(&cpu_lock);
    uint64_t lost = cpu.retired_lost + (cpu.table ? fp_stacktab_lost(cpu.table, NULL) : 0);
    pthread_mutex_unlock(&cpu_lock);
    return lost;
}

struct fp_cpu_window *fp_cpu_window_open(void)
{
    struct fp_cpu_window *w = fp_mem_calloc(1, sizeof(*w));

    if (!w)
        return NULL;
    fp_libc_pthread_mutex_lock(&cpu_lock);
    int rc = hold_table(fp_lifecycle_config()->hz);
    if (rc == 0 && (rc = window_start(w)) != 0)
        drop_table();
    pthread_mutex_unlock(&cpu_lock);
    if (rc != 0) {
        int saved = errno;
        fp_mem_free(w);
        errno = saved;
        return NULL;
    }
    return w;
}

/* This function must be called with cpu_lock held. */
static void window_end_locked(struct fp_cpu_window *w)
{
    drop_table();
    fp_stacktab_mark_free(&w->since);
    fp_mem_free(w);
}

struct fp_pprof *fp_cpu_window_finish(struct fp_cpu_window *w, bool *failed)
{
    fp_libc_pthread_mutex_lock(&cpu_lock);
    struct fp_pprof *profile = build(w, failed);
    window_end_locked(w);
    pthread_mutex_unlock(&cpu_lock);
    return profile;
}

void fp_cpu_window_close(struct fp_cpu_window *w)
{
    fp_libc_pthread_mutex_lock(&cpu_lock);
    window_end_locked(w);
    pthread_mutex_unlock(&cpu_lock);
}

static void write_at_exit(int status)
{
    (void)status;
    fp_sampler_stop();
    fp_libc_pthread_mutex_lock(&cpu_lock);
    if (cpu.file_on)
        stop_locked(true);
    pthread_mutex_unlock(&cpu_lock);
}

/* A fork child profiles itself from zero into its own file (the sampler
 * re-arms it after every engine's fork hook: init.c); the parent's
 * windows are not the child's (the endpoint does not serve there). */
static void after_fork_child(void)
{
    pthread_mutex_init(&cpu_lock, NULL);
    if (!cpu.users)
        return;
    fp_stacktab_reset(cpu.table);
    cpu.users = 1; /* the file profile's, or the parent's windows' last */
    if (cpu.file_on) {
        fp_stacktab_mark_free(&cpu.file.since);
        window_start(&cpu.file); /* an empty table: the mark is empty */
    } else {
        drop_table();
    }
}

/* Always part of the lifecycle: the API can start the profile later. */
static bool engine_start(const struct fp_config *cfg, unsigned *hooks)
{
    (void)hooks; /* samples come from the sampler, not from wrappers */
    fp_sampler_add_consumer(on_sample);
    if (cfg->cpu_path[0] && cfg->period_ns) {
        cpu.periodic = true;
        fp_period_add(write_period);
    }
    if (cfg->cpu_path[0] && start_locked(cfg->cpu_path, cfg->hz) != 0)
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
