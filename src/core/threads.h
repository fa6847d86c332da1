/*
 * The thread registry: one slot per thread the process has had (reused
 * oldest-exited-first when full), with its tid, name, parent, start and exit
 * times, and what it is blocked in. Profiles label samples with the names;
 * snapshots carry the table; the endpoint counts threads by wait.
 */
#ifndef FLIGHTPROF_THREADS_H
#define FLIGHTPROF_THREADS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "self.h"

#define FP_THREAD_NAME_MAX 16 /* like the kernel's comm, NUL included */
#define FP_THREADS_MAX 4096

struct fp_thread {
    /* 0 while the slot is free. Written once by the registering thread
     * (release), read by anyone (acquire). */
    _Atomic int tid;
    int parent_tid;
    /* Odd while `name` is being rewritten: readers retry (a seqlock, so a
     * rename from any thread never blocks a reader in a signal handler). */
    _Atomic unsigned name_seq;
    char name[FP_THREAD_NAME_MAX];
    uint64_t start_ns;          /* CLOCK_MONOTONIC */
    _Atomic uint64_t exit_ns;   /* 0 while running */
    const void *start_routine;  /* NULL for threads flightprof did not create */
    unsigned long pthread;      /* pthread_t; 0 when registered from outside */
    /* What the thread is blocked in as the wrappers see it (enum
     * fp_thread_wait, 0 while in none): written by the thread itself
     * around the blocking call, read by anyone. */
    _Atomic unsigned wait;
};

/* What a thread is blocked in, for the endpoint's thread states (and the
 * thread dumps and wall-clock profile to come). The first five are waits
 * on synchronization, in this order. */
enum fp_thread_wait {
    FP_THREAD_WAIT_NONE,
    FP_THREAD_WAIT_LOCK,    /* a mutex or rwlock, contended */
    FP_THREAD_WAIT_COND,    /* a condition variable */
    FP_THREAD_WAIT_JOIN,    /* pthread_join */
    FP_THREAD_WAIT_SEM,     /* a semaphore */
    FP_THREAD_WAIT_BARRIER, /* a barrier */
    FP_THREAD_WAIT_SLEEP,   /* nanosleep and its kin */
    FP_THREAD_WAIT_IO,      /* poll, select, epoll */
    FP_THREAD_WAITS
};

/*
 * The calling thread enters a wait of `kind`; returns what it was in
 * before (a signal handler's wait nests in the thread's), for
 * fp_threads_wait_end. Nothing when it has no slot. Async-signal-safe.
 */
static inline unsigned fp_threads_wait_begin(unsigned kind)
{
    struct fp_thread *t = fp_self()->slot;

    if (!t)
        return FP_THREAD_WAIT_NONE;
    unsigned before = atomic_load_explicit(&t->wait, memory_order_relaxed);
    atomic_store_explicit(&t->wait, kind, memory_order_release);
    return before;
}

static inline void fp_threads_wait_end(unsigned before)
{
    struct fp_thread *t = fp_self()->slot;

    if (t)
        atomic_store_explicit(&t->wait, before, memory_order_release);
}

/* What live thread `tid` is blocked in (FP_THREAD_WAIT_NONE when in no
 * wait the wrappers see, or unknown). Async-signal-safe. */
unsigned fp_threads_wait_of(int tid);

/*
 * Registers the calling thread (idempotent) and records its stack bounds.
 * `parent_tid` and `start_routine` may be 0/NULL when unknown. Not for
 * signal handlers.
 */
struct fp_thread *fp_threads_register_self(int parent_tid, const void *start_routine);

/* Marks the calling thread as exited. Its slot keeps its name and times
 * until reused. */
void fp_threads_exit_self(void);

/* Renames thread `tid` in the registry (registering nothing). */
void fp_threads_set_name(int tid, const char *name);

/* Copies slot `t`'s name into `out` (FP_THREAD_NAME_MAX bytes), consistent
 * even while the thread renames itself. Async-signal-safe. */
void fp_threads_copy_name(struct fp_thread *t, char *out);

/* The tid of a live registered thread, or 0. */
int fp_threads_tid_of(unsigned long pthread);

/* Copies thread `tid`'s name into `out` (FP_THREAD_NAME_MAX bytes);
 * returns false if `tid` is not in the registry. Async-signal-safe. */
bool fp_threads_get_name(int tid, char *out);

/* Slot i of the registry (0 <= i < FP_THREADS_MAX), for iteration; check
 * its tid before use. Async-signal-safe. */
struct fp_thread *fp_threads_slot(size_t i);

/* One past the highest slot ever used: iterations may stop there.
 * Async-signal-safe. */
size_t fp_threads_end(void);

/* Registers the threads that existed before flightprof loaded (from
 * /proc/self/task), with their current names. */
void fp_threads_register_existing(void);

/*
 * Starts one of flightprof's own threads, named `name` (at most 15
 * bytes), running fn(arg). It blocks every signal, so that the program's
 * handlers never run on it and no sampling or snapshot signal lands on
 * it; it runs in the internal scope (self.h) for life; and while fn runs
 * the scans of /proc/self/task (this registry's, the sampler's) skip it,
 * so it is never in the program's data nor given a timer. Returns 0 or an
 * errno value. Not async-signal-safe.
 */
int fp_threads_start_own(pthread_t *thread, const char *name, void *(*fn)(void *), void *arg);
bool fp_threads_is_own(int tid);

/* In a fork child: forgets the cached tid and every thread but the
 * caller, which is registered anew. */
void fp_threads_after_fork_child(void);

#endif
