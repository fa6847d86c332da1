/*
 * The service thread. Owns the job table (written before jobs are posted,
 * read by the thread), the pending-job bits (set by posters, cleared by the
 * thread), the futex word the thread sleeps on and the thread's handle.
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
#include <unistd.h>

#include "libc.h"
#include "log.h"
#include "self.h"
#include "threads.h"

static void (*jobs[FP_JOB_COUNT])(void);
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
        if (atomic_load(&pending)) {
            run_pending();
            continue;
        }
        if (atomic_load(&quitting))
            break;
        fp_libc_syscall(SYS_futex, (long)&wake_seq, FUTEX_WAIT_PRIVATE, seq, 0, 0, 0);
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
    atomic_store(&running, false);
    atomic_store(&pending, 0);
    pthread_mutex_init(&start_lock, NULL);
}
