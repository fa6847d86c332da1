/*
 * The service thread. Owns the job table (written before jobs are posted,
 * read by the thread), the pending-job bits (set by posters, cleared by the
 * thread) and the wake-up pipe.
 *
 * Signal context: fp_service_post.
 */
#include "service.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "interpose_pthread.h"
#include "log.h"
#include "threads.h"

static void (*jobs[FP_JOB_COUNT])(void);
static _Atomic unsigned pending;
/* Both ends are -1 while no thread runs; written under start_lock. */
static _Atomic int wake_write = -1;
static int wake_read = -1;
static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;

void fp_service_register(enum fp_service_job job, void (*fn)(void))
{
    jobs[job] = fn;
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
    char buf[64];

    (void)arg;
    prctl(PR_SET_NAME, "flightprof");
    fp_self()->busy++; /* nothing this thread does is the program's */
    for (;;) {
        ssize_t n = read(wake_read, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return NULL;
        run_pending();
    }
}

int fp_service_start(void)
{
    int fds[2];
    int rc = 0;
    pthread_t thread;
    sigset_t all, old;

    fp_self()->busy++; /* our masks are ours: see interpose_signal.c */
    pthread_mutex_lock(&start_lock);
    if (atomic_load(&wake_write) >= 0)
        goto out;
    if (pipe2(fds, O_CLOEXEC) != 0) {
        rc = -1;
        goto out;
    }
    /* The thread inherits this mask: it must never take the program's
     * signals (nor our sampling or snapshot signals). */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    wake_read = fds[0];
    if (fp_pthread_create_unprofiled(&thread, NULL, service_main, NULL) == 0) {
        pthread_detach(thread);
        atomic_store(&wake_write, fds[1]);
    } else {
        fp_log("cannot start the service thread; signal-triggered writes are off");
        close(fds[0]);
        close(fds[1]);
        wake_read = -1;
        rc = -1;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
out:
    pthread_mutex_unlock(&start_lock);
    fp_self()->busy--;
    return rc;
}

int fp_service_post(enum fp_service_job job)
{
    int saved_errno = errno;
    int fd = atomic_load(&wake_write);

    if (fd < 0)
        return -1;
    atomic_fetch_or(&pending, 1u << job);
    ssize_t unused = write(fd, "", 1);
    (void)unused;
    errno = saved_errno;
    return 0;
}

void fp_service_after_fork_child(void)
{
    int fd = atomic_exchange(&wake_write, -1);

    if (fd >= 0) {
        close(fd);
        close(wake_read);
        wake_read = -1;
    }
    atomic_store(&pending, 0);
    pthread_mutex_init(&start_lock, NULL);
}
