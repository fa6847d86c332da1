/*
 * The flight recorder's entry points for the rest of the library. Every
 * fp_recorder_* hook returns at once when the recorder is off, never
 * blocks, never allocates, and is async-signal-safe.
 */
#ifndef FLIGHTPROF_RECORDER_H
#define FLIGHTPROF_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "snapfmt.h" /* enum fp_alloc_kind, enum fp_lock_kind, FP_SNAP_CLI_SIGVAL */

struct fp_engine;

/* The engine (engine.h): records when FLIGHTPROF_SNAPSHOT is set, fed by
 * every wrapper family, the sampler and the thread hooks. */
extern const struct fp_engine fp_recorder_engine;

/* Set once when the recorder starts, at load; never cleared. */
extern bool fp_recorder_on;

/* True while the recorder is recording: one load, for every hot path. */
static inline bool fp_recorder_enabled(void)
{
    return __atomic_load_n(&fp_recorder_on, __ATOMIC_RELAXED);
}

/* What the recorder has counted, for the endpoint's metrics: snapshots
 * written (not counting crash snapshots), events lost to newer ones,
 * events never recorded for want of a free chunk, and the events recorded
 * by kind (FP_EV_*; ring.h says which threads' count). Not for signal
 * handlers. */
struct fp_recorder_stats {
    uint64_t snapshots, overwritten, dropped;
    uint64_t events[FP_EV_KIND_COUNT];
};
void fp_recorder_stats(struct fp_recorder_stats *out);

/* A thread was renamed (by any thread). */
void fp_recorder_thread_rename(int tid, const char *name);

/* Allocations; `caller` is the wrapper's return address. */
void fp_recorder_alloc(enum fp_alloc_kind kind, const void *ptr, size_t size, const void *caller);
void fp_recorder_realloc(const void *old_ptr, const void *new_ptr, size_t size, const void *caller);
void fp_recorder_free(const void *ptr, const void *caller);
void fp_recorder_munmap(const void *ptr, size_t size, const void *caller);

/* A lock acquisition that had to wait `wait_ns`. */
void fp_recorder_lock_wait(enum fp_lock_kind kind, const void *lock, uint64_t wait_ns,
                           const void *caller);

/* Process events: called in the parent after fork() returned `child`, and
 * before an exec of `path`. */
void fp_recorder_fork(pid_t child);
void fp_recorder_exec(const char *path);

/* A blocking call (`kind` is an enum fp_wait_kind of snapfmt.h) that
 * returned after `wait_ns`; `object` is what it waited on. */
void fp_recorder_wait(int kind, const void *object, uint64_t wait_ns, const void *caller);

/* A fatal signal, recorded by the crash handler on the crashing thread. */
void fp_recorder_fatal_signal(int signo, int si_code, const void *addr);

/*
 * Writes a snapshot into `fd` for the endpoint (trigger http, no file name,
 * no sequence number): the whole window, or with `since_ns`
 * (CLOCK_MONOTONIC) only the events from then on. Returns 0, or -1 with
 * errno (ESRCH: the recorder is off). Not for signal handlers.
 */
int fp_recorder_write_fd(int fd, uint64_t since_ns);

/*
 * Writes the crash snapshot for fatal signal `sig` taken by thread `tid`
 * (fault address, and its stack: exact PC first) to the next pattern name,
 * returned in `path` (PATH_MAX bytes). Returns 0 or -1 with errno. Only
 * for the crash handler, one call at a time. Async-signal-safe.
 */
int fp_recorder_write_crash(int sig, int si_code, uint64_t fault_addr, int tid,
                            const uintptr_t *pcs, int depth, char *path);

#endif
