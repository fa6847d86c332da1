/*
 * The service thread. Owns the job table (written before jobs are posted,
 * read by the thread), the pending-job bits (set by posters, cleared by the
 * thread), the periodic job, the futex word the thread sleeps on and the
 * thread's handle.
 *
 * Signal context: fp_service_post.
 */
#include "service.h"

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "libc.h"
#include "log.h"
#include "self.h"
#include "threads.h"

static void (*jobs[FP_JOB_COUNT])(void);
/* The periodic job (set at load) and when it is next due (the thread's). */
static void (*every_fn)(void);
static uint64_t every_ns, next_due_ns;
static _Atomic unsigned pending;
/* Bumped by every post (and by stop); the thread sleeps while it is
 * unchanged. */
static _Atomic uint32_t wake_seq;
static _Atomic bool running, quitting;
static pthread_t thread;
static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;

void fp_service_register(enum fp_service_job job, void (*fn)(void))
{
    jobs[job] = fn;
}

void fp_service_every(uint64_t period_ns, void (*fn)(void))
{
    every_ns = period_ns;
    every_fn = fn;
    next_due_ns = fp_clock_ns(CLOCK_MONOTONIC) + period_ns;
}

/* Runs the periodic job if it is due; returns the futex timeout until it
 * is next due, or NULL to wait for a post alone. */
static const struct timespec *run_due(struct timespec *ts)
{
    if (!every_fn)
        return NULL;
    uint64_t now = fp_clock_ns(CLOCK_MONOTONIC);
    if (now >= next_due_ns) {
        every_fn();
        now = fp_clock_ns(CLOCK_MONOTONIC);
        while (next_due_ns <= now)
            next_due_ns += every_ns;
    }
    uint64_t wait = next_due_ns - now;
    ts->tv_sec = (time_t)(wait / 1000000000u);
    ts->tv_nsec = (long)(wait % 1000000000u);
    return ts;
}

static void futex_wake(void)
{
    atomic_fetch_add(&wake_seq, 1);
    fp_libc_syscall(SYS_futex, (long)&wake_seq, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
}

static void run_pending(void)
{
    unsigned bits = atomic_exchange(&pending, 0);

    for (int job = 0; job < FP_JOB_COUNT; job++)
        if ((bits & (1u << job)) && jobs[job])
            jobs[job]();
}

static void *service_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&quitting)) {
        uint32_t seq = atomic_load(&wake_seq);
        struct timespec ts;
        if (atomic_load(&pending)) {
            run_pending();
            continue;
        }
        const struct timespec *timeout = run_due(&ts);
        if (atomic_load(&quitting) || atomic_load(&pending))
            continue;
        fp_libc_syscall(SYS_futex, (long)&wake_seq, FUTEX_WAIT_PRIVATE, seq, (long)timeout, 0, 0);
    }
    return NULL;
}

int fp_service_start(void)
{
    int rc = 0;

    fp_internal_enter(); /* creating the thread allocates */
    fp_libc_pthread_mutex_lock(&start_lock);
    if (atomic_load(&running))
        goto out;
    atomic_store(&quitting, false);
    if (fp_threads_start_own(&thread, "flightprof", service_main, NULL) == 0) {
        atomic_store(&running, true);
    } else {
        fp_log("cannot start the service thread; signal-triggered writes are off");
        rc = -1;
    }
out:
    pthread_mutex_unlock(&start_lock);
    fp_internal_leave();
    return rc;
}

void fp_service_stop(void)
{
    fp_libc_pthread_mutex_lock(&start_lock);
    if (atomic_exchange(&running, false)) {
        atomic_store(&quitting, true);
        futex_wake();
        fp_libc_pthread_join(thread, NULL);
    }
    pthread_mutex_unlock(&start_lock);
}

int fp_service_post(enum fp_service_job job)
{
    int saved_errno = errno;

    if (!atomic_load(&running))
        return -1;
    atomic_fetch_or(&pending, 1u << job);
    futex_wake();
    errno = saved_errno;
    return 0;
}

void fp_service_after_fork_child(void)
{
    if (every_fn) /* the child's periods start now */
        next_due_ns = fp_clock_ns(CLOCK_MONOTONIC) + every_ns;
    atomic_store(&running, false);
    atomic_store(&pending, 0);
    pthread_mutex_init(&start_lock, NULL);
}
