/*
 * pthread_create, pthread_exit, pthread_setname_np and prctl(PR_SET_NAME)
 * wrappers. A created thread starts in a trampoline that registers it and
 * runs the lifecycle's thread hooks (its sampling timer, its start event),
 * and undoes all that when it ends (returning or pthread_exit) through a
 * cleanup handler.
 *
 * Owns the count of the program's live threads. glibc ends the process
 * when its last thread exits (a main that calls pthread_exit, a fork child
 * whose only thread returns); flightprof's own threads would keep it
 * alive, so the program thread that ends last stops them first.
 *
 * Signal context: none.
 */
#include "interpose_pthread.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "hooks.h"
#include "interpose.h"
#include "lifecycle.h"
#include "mem.h"
#include "recorder.h"
#include "self.h"
#include "service.h"
#include "threadcreate.h"
#include "threads.h"

static __typeof__(pthread_create) *FP_REAL(pthread_create);
static __typeof__(pthread_setname_np) *FP_REAL(pthread_setname_np);
static __typeof__(prctl) *FP_REAL(prctl);
static __typeof__(pthread_exit) *FP_REAL(pthread_exit);

/* The main thread plus every thread started through the trampoline that
 * has not ended. */
static _Atomic int live_threads = 1;
/* Whether the calling thread is counted through the trampoline (whose
 * cleanup handler uncounts it) rather than as the main thread. */
static __thread bool in_trampoline __attribute__((tls_model("initial-exec")));

struct trampoline {
    void *(*start)(void *);
    void *arg;
    int parent_tid;
};

/* The calling program thread is ending; if it is the last, flightprof's
 * threads end first, so that the process ends with it as it would have. */
static void uncount_thread(void)
{
    if (atomic_fetch_sub(&live_threads, 1) == 1)
        fp_service_stop();
}

static void thread_ends(void *unused)
{
    (void)unused;
    fp_lifecycle_thread_exit();
    fp_threads_exit_self();
    uncount_thread();
}

static void *thread_begins(void *p)
{
    struct trampoline t = *(struct trampoline *)p;
    void *ret;

    fp_mem_free(p);
    fp_internal_enter();
    fp_threads_register_self(t.parent_tid, (const void *)t.start);
    fp_internal_leave();
    in_trampoline = true;
    fp_lifecycle_thread_start();
    pthread_cleanup_push(thread_ends, NULL);
    ret = t.start(t.arg);
    pthread_cleanup_pop(1);
    return ret;
}

FP_EXPORT int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                             void *(*start)(void *), void *arg)
{
    if (!FP_RESOLVE(pthread_create))
        return EAGAIN;
    struct trampoline *t = fp_mem_alloc(sizeof(*t)); /* not the program's: no wrapper */
    if (!t) /* no way to follow the thread: let it run unprofiled */
        return FP_REAL(pthread_create)(thread, attr, start, arg);
    t->start = start;
    t->arg = arg;
    t->parent_tid = fp_self_tid();
    atomic_fetch_add(&live_threads, 1);
    int rc = FP_REAL(pthread_create)(thread, attr, thread_begins, t);
    if (rc != 0) {
        atomic_fetch_sub(&live_threads, 1);
        fp_mem_free(t);
    } else if (fp_hooks_feeds(FP_HOOK_THREAD)) {
        fp_threadcreate_record(__builtin_return_address(0));
    }
    return rc;
}

FP_EXPORT void pthread_exit(void *ret)
{
    /* Only the main thread is counted here: the trampoline's cleanup
     * handler uncounts its threads, and threads that existed before
     * flightprof loaded were never counted. */
    if (!in_trampoline && fp_self_tid() == getpid())
        uncount_thread();
    FP_RESOLVE(pthread_exit)(ret);
    __builtin_unreachable();
}

void fp_pthread_after_fork_child(void)
{
    atomic_store(&live_threads, 1);
}

static void renamed(int tid, const char *name)
{
    fp_threads_set_name(tid, name);
    fp_recorder_thread_rename(tid, name);
}

FP_EXPORT int pthread_setname_np(pthread_t thread, const char *name)
{
    int rc = FP_RESOLVE(pthread_setname_np)(thread, name);

    if (rc == 0) {
        int tid = pthread_equal(thread, pthread_self()) ? fp_self_tid()
                                                        : fp_threads_tid_of((unsigned long)thread);
        if (tid)
            renamed(tid, name);
    }
    return rc;
}

FP_EXPORT int prctl(int option, ...)
{
    va_list ap;
    unsigned long a2, a3, a4, a5;

    va_start(ap, option);
    a2 = va_arg(ap, unsigned long);
    a3 = va_arg(ap, unsigned long);
    a4 = va_arg(ap, unsigned long);
    a5 = va_arg(ap, unsigned long);
    va_end(ap);
    int rc = FP_RESOLVE(prctl)(option, a2, a3, a4, a5);
    if (rc == 0 && option == PR_SET_NAME) {
        char name[FP_THREAD_NAME_MAX];
        strncpy(name, (const char *)a2, sizeof(name) - 1);
        name[sizeof(name) - 1] = '\0';
        renamed(fp_self_tid(), name);
    }
    return rc;
}
