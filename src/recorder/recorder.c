/*
 * The flight recorder: turns the hooks of recorder.h and the public API
 * (flightprof_log, flightprof_region_*, flightprof_snapshot) into events
 * in the chunk pool (ring.h), and takes snapshots on the snapshot signal,
 * on the API, and at exit when FLIGHTPROF_SNAPSHOT_ON asks. Crashes are
 * crash.c's.
 *
 * Owns the snapshot pattern and settings (written at init and in a fork
 * child, read-only otherwise), the snapshot sequence counter (atomic), the
 * pending trigger of the snapshot signal (atomic) and the lock that
 * serialises normal snapshot writes (snapshot_lock).
 *
 * Signal context: every fp_recorder_* hook, next_path,
 * flightprof_log, flightprof_region_*, on_snapshot_signal.
 */
#include "recorder.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "engine.h"
#include "flightprof.h"
#include "hooks.h"
#include "interpose.h"
#include "libc.h"
#include "lifecycle.h"
#include "lineage.h"
#include "log.h"
#include "outfile.h"
#include "pattern.h"
#include "ring.h"
#include "sampler.h"
#include "self.h"
#include "service.h"
#include "sigview.h"
#include "snapfmt.h"
#include "snapshot.h"
#include "threads.h"

#define RECORDER_SIZE_MIN (64u << 10) /* a few chunks: smaller windows hold next to nothing */

bool fp_recorder_on;

static struct {
    char pattern[PATH_MAX]; /* FLIGHTPROF_SNAPSHOT for this process */
    uint64_t size, age_ns;
    unsigned snapshot_on;
} rec;
static _Atomic uint64_t sequence;
static _Atomic uint64_t written; /* snapshots written, for the endpoint's metrics */
static _Atomic unsigned signal_trigger; /* enum fp_snap_trigger of a pending signal job */
static pthread_mutex_t snapshot_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- writing events ------------------------------------------------------- */

/* Reserves an event with `payload` bytes after the header and stamps it.
 * Returns the payload, or NULL (off, or no room). */
static inline void *event_begin(size_t payload, struct fp_ring_slot *slot, size_t *size)
{
    *size = (sizeof(struct fp_snap_event) + payload + 7) & ~(size_t)7;
    if (!fp_ring_reserve(*size, slot))
        return NULL;
    slot->ev->time_ns = fp_ring_now();
    return slot->ev + 1;
}

/* Like event_begin for payloads that end in strings: zeroes the padding. */
static void *event_begin_padded(size_t payload, struct fp_ring_slot *slot, size_t *size)
{
    char *p = event_begin(payload, slot, size);

    if (p)
        memset((char *)slot->ev + *size - 8, 0, 8);
    return p;
}

/* Copies at most max - 1 bytes of s and a NUL to out; returns the bytes
 * written, NUL included. */
static size_t copy_string(char *out, const char *s, size_t max)
{
    size_t n = s ? strnlen(s, max - 1) : 0;

    memcpy(out, s ? s : "", n);
    out[n] = '\0';
    return n + 1;
}

static size_t string_len(const char *s, size_t max)
{
    return (s ? strnlen(s, max - 1) : 0) + 1;
}

static void record_plain(unsigned kind)
{
    struct fp_ring_slot slot;
    size_t size;

    if (event_begin(0, &slot, &size))
        fp_ring_commit(&slot, kind, 0, size);
}

static void record_int(unsigned kind, int64_t value)
{
    struct fp_ring_slot slot;
    size_t size;
    struct fp_ev_int *e = event_begin(sizeof(*e), &slot, &size);

    if (!e)
        return;
    e->value = value;
    fp_ring_commit(&slot, kind, 0, size);
}

static void record_string(unsigned kind, const char *s)
{
    struct fp_ring_slot slot;
    size_t size, len = string_len(s, FP_SNAP_STRING_MAX);
    struct fp_ev_string *e = event_begin_padded(sizeof(*e) + len, &slot, &size);

    if (!e)
        return;
    memset(e, 0, sizeof(*e));
    e->len = (uint16_t)copy_string((char *)(e + 1), s, len + 1);
    fp_ring_commit(&slot, kind, 0, size);
}

static void record_wait(unsigned kind, unsigned sub, const void *object, uint64_t wait_ns,
                        const void *caller)
{
    struct fp_ring_slot slot;
    size_t size;
    struct fp_ev_wait *e = event_begin(sizeof(*e), &slot, &size);

    if (!e)
        return;
    e->object = (uint64_t)(uintptr_t)object;
    e->wait_ns = wait_ns;
    e->caller = (uint64_t)(uintptr_t)caller;
    fp_ring_commit(&slot, kind, sub, size);
}

/* ---- hooks ------------------------------------------------------------------ */

/* Thread hooks: the thread's origin is in its registry slot (none when
 * the registry was full). */
static void thread_start(void)
{
    const struct fp_thread *t = fp_self()->slot;
    struct fp_ring_slot slot;
    size_t size;
    struct fp_ev_thread_start *e;

    fp_ring_count_join();
    if (!(e = event_begin(sizeof(*e), &slot, &size)))
        return;
    e->parent_tid = t ? t->parent_tid : 0;
    e->reserved = 0;
    e->start_routine = (uint64_t)(uintptr_t)(t ? t->start_routine : NULL);
    fp_ring_commit(&slot, FP_EV_THREAD_START, 0, size);
}

static void thread_exit(void)
{
    record_plain(FP_EV_THREAD_EXIT);
    fp_ring_thread_exit();
    fp_ring_count_leave();
}

void fp_recorder_thread_rename(int tid, const char *name)
{
    struct fp_ring_slot slot;
    size_t size;
    struct fp_ev_thread_name *e;

    if (!fp_recorder_enabled() || !(e = event_begin(sizeof(*e), &slot, &size)))
        return;
    e->tid = tid;
    e->reserved = 0;
    memset(e->name, 0, sizeof(e->name));
    copy_string(e->name, name, sizeof(e->name));
    fp_ring_commit(&slot, FP_EV_THREAD_NAME, 0, size);
}

/* An allocation or an unmapping: both are a block (ptr, size) and a caller. */
static void record_block(unsigned event, unsigned kind, const void *ptr, size_t size,
                         const void *caller)
{
    struct fp_ring_slot slot;
    size_t ev_size;
    struct fp_ev_alloc *e;

    if (!fp_recorder_enabled() || !(e = event_begin(sizeof(*e), &slot, &ev_size)))
        return;
    e->ptr = (uint64_t)(uintptr_t)ptr;
    e->size = size;
    e->caller = (uint64_t)(uintptr_t)caller;
    fp_ring_commit(&slot, event, kind, ev_size);
}

void fp_recorder_alloc(enum fp_alloc_kind kind, const void *ptr, size_t size, const void *caller)
{
    record_block(FP_EV_ALLOC, kind, ptr, size, caller);
}

void fp_recorder_realloc(const void *old_ptr, const void *new_ptr, size_t size, const void *caller)
{
    struct fp_ring_slot slot;
    size_t ev_size;
    struct fp_ev_realloc *e;

    if (!fp_recorder_enabled() || !(e = event_begin(sizeof(*e), &slot, &ev_size)))
        return;
    e->old_ptr = (uint64_t)(uintptr_t)old_ptr;
    e->new_ptr = (uint64_t)(uintptr_t)new_ptr;
    e->size = size;
    e->caller = (uint64_t)(uintptr_t)caller;
    fp_ring_commit(&slot, FP_EV_REALLOC, 0, ev_size);
}

void fp_recorder_free(const void *ptr, const void *caller)
{
    struct fp_ring_slot slot;
    size_t size;
    struct fp_ev_free *e;

    if (!fp_recorder_enabled() || !ptr || !(e = event_begin(sizeof(*e), &slot, &size)))
        return;
    e->ptr = (uint64_t)(uintptr_t)ptr;
    e->caller = (uint64_t)(uintptr_t)caller;
    fp_ring_commit(&slot, FP_EV_FREE, 0, size);
}

void fp_recorder_munmap(const void *ptr, size_t size, const void *caller)
{
    record_block(FP_EV_MUNMAP, 0, ptr, size, caller);
}

void fp_recorder_lock_wait(enum fp_lock_kind kind, const void *lock, uint64_t wait_ns,
                           const void *caller)
{
    if (fp_recorder_enabled())
        record_wait(FP_EV_LOCK_WAIT, kind, lock, wait_ns, caller);
}

void fp_recorder_wait(int kind, const void *object, uint64_t wait_ns, const void *caller)
{
    if (fp_recorder_enabled())
        record_wait(FP_EV_WAIT, (unsigned)kind, object, wait_ns, caller);
}

/* The sampler's consumer (registered only when the recorder is on): one
 * event per signal, whatever its weight. */
static void cpu_sample(const uintptr_t *pcs, int depth, int tid, uint64_t weight)
{
    struct fp_ring_slot slot;
    size_t size;
    struct fp_ev_cpu_sample *e;

    (void)tid;    /* the event's header has it */
    (void)weight; /* the snapshot header has the period */
    if (depth > FP_SNAP_STACK_MAX)
        depth = FP_SNAP_STACK_MAX;
    if (depth < 0 || !(e = event_begin(sizeof(*e) + (size_t)depth * 8, &slot, &size)))
        return;
    e->depth = (uint32_t)depth;
    e->reserved = 0;
    uint64_t *out = (uint64_t *)(e + 1);
    for (int i = 0; i < depth; i++)
        out[i] = pcs[i];
    fp_ring_commit(&slot, FP_EV_CPU_SAMPLE, 0, size);
}

void fp_recorder_fork(pid_t child)
{
    if (fp_recorder_enabled())
        record_int(FP_EV_FORK, child);
}

void fp_recorder_exec(const char *path)
{
    if (fp_recorder_enabled())
        record_string(FP_EV_EXEC, path);
}

void fp_recorder_fatal_signal(int signo, int si_code, const void *addr)
{
    struct fp_ring_slot slot;
    size_t size;
    struct fp_ev_signal *e;

    if (!fp_recorder_enabled() || !(e = event_begin(sizeof(*e), &slot, &size)))
        return;
    e->signo = signo;
    e->si_code = si_code;
    e->addr = (uint64_t)(uintptr_t)addr;
    fp_ring_commit(&slot, FP_EV_SIGNAL, 0, size);
}

/* ---- the public annotation API ---------------------------------------------------- */

FP_EXPORT void flightprof_log(const char *category, const char *message)
{
    struct fp_ring_slot slot;
    size_t size;
    struct fp_ev_log *e;

    if (!fp_recorder_enabled())
        return;
    size_t cat_len = string_len(category, FP_SNAP_LOG_CATEGORY_MAX);
    size_t msg_len = string_len(message, FP_SNAP_LOG_MESSAGE_MAX);
    if (!(e = event_begin_padded(sizeof(*e) + cat_len + msg_len, &slot, &size)))
        return;
    e->category_len = (uint16_t)copy_string((char *)(e + 1), category, cat_len + 1);
    e->message_len = (uint16_t)copy_string((char *)(e + 1) + cat_len, message, msg_len + 1);
    e->reserved = 0;
    fp_ring_commit(&slot, FP_EV_LOG, 0, size);
}

FP_EXPORT void flightprof_region_begin(const char *name)
{
    if (fp_recorder_enabled())
        record_string(FP_EV_REGION_BEGIN, name);
}

FP_EXPORT void flightprof_region_end(void)
{
    if (fp_recorder_enabled())
        record_plain(FP_EV_REGION_END);
}

/* ---- snapshots ------------------------------------------------------------------------ */

/* The next snapshot file name from the FLIGHTPROF_SNAPSHOT pattern (PATH_MAX
 * bytes) and its sequence number. Returns 0, or -1 if the name is too long.
 * Async-signal-safe (the crash snapshot takes it). */
static int next_path(char *path, uint64_t *seq)
{
    struct timespec now;

    *seq = atomic_fetch_add(&sequence, 1) + 1;
    clock_gettime(CLOCK_REALTIME, &now);
    return fp_pattern_expand(rec.pattern, getpid(), (uint64_t)now.tv_sec, *seq, path, PATH_MAX);
}

/* What every snapshot of normal (not signal) context records. */
static struct fp_snapshot_request request(enum fp_snap_trigger trigger, int exit_status)
{
    return (struct fp_snapshot_request){
        .trigger = trigger, .recorder_size = rec.size, .recorder_age_ns = rec.age_ns,
        .cpu_period_ns = (uint64_t)fp_sampler_period_ns(), .exit_status = exit_status,
    };
}

/* A snapshot of normal context holds the normal buffers from
 * snapshot_begin to snapshot_end(rc), which counts it if rc is 0 and
 * returns rc with errno as it was. */
static void snapshot_begin(void)
{
    fp_internal_enter(); /* our locking and I/O are not the program's */
    fp_libc_pthread_mutex_lock(&snapshot_lock);
}

static int snapshot_end(int rc)
{
    int saved = errno;

    if (rc == 0)
        atomic_fetch_add(&written, 1);
    pthread_mutex_unlock(&snapshot_lock);
    fp_internal_leave();
    errno = saved;
    return rc;
}

/* To `path`, or the pattern's next name when NULL. */
static int take_snapshot(const char *path, enum fp_snap_trigger trigger, int exit_status)
{
    struct fp_snapshot_request req = request(trigger, exit_status);
    char generated[PATH_MAX];
    int rc;

    snapshot_begin();
    if (!path) {
        if (next_path(generated, &req.sequence) != 0)
            return snapshot_end(-1);
        path = generated;
    } else {
        req.sequence = atomic_fetch_add(&sequence, 1) + 1;
    }
    rc = fp_snapshot_write(path, &req, FP_SNAPSHOT_NORMAL);
    if (rc != 0)
        fp_log("cannot write snapshot %s: %s", path, strerror(errno));
    return snapshot_end(rc);
}

int fp_recorder_write_fd(int fd, uint64_t since_ns)
{
    struct fp_snapshot_request req = request(FP_SNAP_TRIGGER_HTTP, 0);

    if (!fp_recorder_enabled()) {
        errno = ESRCH;
        return -1;
    }
    req.since_ns = since_ns;
    snapshot_begin();
    return snapshot_end(fp_snapshot_write_fd(fd, &req, FP_SNAPSHOT_NORMAL));
}

int fp_recorder_write_crash(int sig, int si_code, uint64_t fault_addr, int tid,
                            const uintptr_t *pcs, int depth, char *path)
{
    struct fp_snapshot_request req = {
        .trigger = FP_SNAP_TRIGGER_CRASH, .recorder_size = rec.size,
        .recorder_age_ns = rec.age_ns, .cpu_period_ns = (uint64_t)fp_sampler_period_ns(),
        .signo = sig, .si_code = si_code,
        .fault_addr = fault_addr, .crash_tid = tid, .crash_pcs = pcs, .crash_depth = depth,
    };

    if (next_path(path, &req.sequence) != 0)
        return -1;
    return fp_snapshot_write(path, &req, FP_SNAPSHOT_CRASH);
}

void fp_recorder_stats(struct fp_recorder_stats *out)
{
    out->snapshots = atomic_load(&written);
    out->overwritten = fp_ring_overwritten_total();
    out->dropped = fp_ring_dropped();
    fp_ring_count_totals(out->events);
}

FP_EXPORT int flightprof_snapshot(const char *path)
{
    if (!fp_recorder_enabled()) {
        errno = ESRCH;
        return -1;
    }
    return take_snapshot(path, FP_SNAP_TRIGGER_API, 0);
}

static void snapshot_job(void)
{
    unsigned trigger = atomic_exchange(&signal_trigger, 0);

    take_snapshot(NULL, trigger ? (enum fp_snap_trigger)trigger : FP_SNAP_TRIGGER_SIGNAL, 0);
}

static void on_snapshot_signal(int sig, siginfo_t *si, void *uc)
{
    bool from_cli = si->si_code == SI_QUEUE && si->si_value.sival_int == FP_SNAP_CLI_SIGVAL;

    (void)sig;
    (void)uc;
    atomic_store(&signal_trigger, from_cli ? FP_SNAP_TRIGGER_CLI : FP_SNAP_TRIGGER_SIGNAL);
    fp_service_post(FP_JOB_SNAPSHOT);
}

static void snapshot_signal_taken(int sig)
{
    fp_log("the program takes signal %d (FLIGHTPROF_SNAPSHOT_SIGNAL) for itself; "
           "snapshots on that signal are off while it does", sig);
}

/* The program keeps the signal if it handles it itself (sigview.h). */
static void catch_snapshot_signal(int sig)
{
    if (fp_sigview_hold(sig, on_snapshot_signal, 0, FP_SIGVIEW_YIELD, snapshot_signal_taken) != 0)
        fp_log("FLIGHTPROF_SNAPSHOT_SIGNAL: cannot catch signal %d: %s", sig,
               errno == EBUSY ? "the program handles it" : strerror(errno));
}

/* At exit: an exit event, and the snapshot FLIGHTPROF_SNAPSHOT_ON asks
 * for. status < 0 is death by signal -status (SIGTERM/SIGINT). */
static void on_exit_hook(int status)
{
    bool error = status != 0;

    if (status >= 0)
        record_int(FP_EV_EXIT, status);
    if (rec.snapshot_on & FP_SNAPSHOT_ON_EXIT)
        take_snapshot(NULL, error ? FP_SNAP_TRIGGER_ERROR : FP_SNAP_TRIGGER_EXIT, status);
    else if ((rec.snapshot_on & FP_SNAPSHOT_ON_ERROR) && error)
        take_snapshot(NULL, FP_SNAP_TRIGGER_ERROR, status);
}

static bool engine_start(const struct fp_config *cfg, unsigned *hooks)
{
    uint64_t size = cfg->recorder_size;

    if (!cfg->snapshot_path[0])
        return false;
    if (size < RECORDER_SIZE_MIN) {
        fp_log("FLIGHTPROF_RECORDER_SIZE=%llu is below the minimum; using %u bytes",
               (unsigned long long)size, RECORDER_SIZE_MIN);
        size = RECORDER_SIZE_MIN;
    }
    if (fp_ring_init(size) != 0) {
        fp_log("FLIGHTPROF_RECORDER_SIZE=%llu: cannot map the recorder's buffers (%s); "
               "the flight recorder is off",
               (unsigned long long)size, strerror(errno));
        return false;
    }
    fp_ring_count_join(); /* the loading thread; the others at their start */
    fp_lineage_own_pattern(cfg->snapshot_path, rec.pattern);
    rec.size = (uint64_t)fp_ring_chunk_bytes() * fp_ring_chunk_count();
    rec.age_ns = cfg->recorder_age_ns;
    rec.snapshot_on = cfg->snapshot_on;
    fp_service_register(FP_JOB_SNAPSHOT, snapshot_job);
    if (cfg->snapshot_signal)
        catch_snapshot_signal(cfg->snapshot_signal);
    __atomic_store_n(&fp_recorder_on, true, __ATOMIC_RELEASE);
    *hooks |= FP_HOOKS(FP_HOOK_ALLOC, FP_FEED_RECORDER) | FP_HOOKS(FP_HOOK_LOCK, FP_FEED_RECORDER) |
              FP_HOOKS(FP_HOOK_WAIT, FP_FEED_RECORDER) | FP_HOOKS(FP_HOOK_PROCESS, FP_FEED_RECORDER);
    fp_sampler_add_consumer(cpu_sample);
    /* Samples for the recorder alone; with FLIGHTPROF_CPU the profile's
     * sampler feeds it. */
    if (cfg->recorder_hz && !cfg->cpu_path[0] &&
        fp_sampler_acquire(cfg->recorder_hz, cfg->unwind, cfg->depth) != 0)
        fp_log("FLIGHTPROF_RECORDER_HZ: cannot start sampling: %s", strerror(errno));
    return true;
}

/* In the child after fork(): a new window, under the child's own names. */
static void after_fork_child(void)
{
    fp_ring_after_fork_child();
    fp_lineage_own_pattern(fp_lifecycle_config()->snapshot_path, rec.pattern);
    atomic_store(&sequence, 0);
    atomic_store(&written, 0);
    atomic_store(&signal_trigger, 0);
    pthread_mutex_init(&snapshot_lock, NULL);
}

const struct fp_engine fp_recorder_engine = {
    .name = "recorder",
    .start = engine_start,
    .thread_start = thread_start,
    .thread_exit = thread_exit,
    .fork_child = after_fork_child,
    .exit = on_exit_hook,
};
