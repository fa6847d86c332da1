/*
 * pthread_create, pthread_setname_np and prctl(PR_SET_NAME) wrappers.
 * A created thread starts in a trampoline that registers it, arms its
 * sampling timer and records its start, and undoes all that when it ends
 * (returning or pthread_exit) through a cleanup handler.
 *
 * Signal context: none.
 */
#include "interpose_pthread.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "interpose.h"
#include "recorder.h"
#include "sampler.h"
#include "threads.h"

static __typeof__(pthread_create) *FP_REAL(pthread_create);
static __typeof__(pthread_setname_np) *FP_REAL(pthread_setname_np);
static __typeof__(prctl) *FP_REAL(prctl);

struct trampoline {
    void *(*start)(void *);
    void *arg;
    int parent_tid;
};

int fp_pthread_create_unprofiled(pthread_t *thread, const pthread_attr_t *attr,
                                 void *(*start)(void *), void *arg)
{
    return FP_RESOLVE(pthread_create)(thread, attr, start, arg);
}

static void thread_ends(void *unused)
{
    (void)unused;
    fp_sampler_thread_exit();
    fp_recorder_thread_exit();
    fp_threads_exit_self();
}

static void *thread_begins(void *p)
{
    struct trampoline t = *(struct trampoline *)p;
    void *ret;

    fp_self()->busy++;
    free(p);
    fp_threads_register_self(t.parent_tid, (const void *)t.start);
    fp_self()->busy--;
    fp_recorder_thread_start(t.parent_tid, (const void *)t.start);
    fp_sampler_thread_start();
    pthread_cleanup_push(thread_ends, NULL);
    ret = t.start(t.arg);
    pthread_cleanup_pop(1);
    return ret;
}

FP_EXPORT int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                             void *(*start)(void *), void *arg)
{
    struct fp_self *self = fp_self();

    if (!FP_RESOLVE(pthread_create))
        return EAGAIN;
    self->busy++;
    struct trampoline *t = malloc(sizeof(*t));
    self->busy--;
    if (!t) /* no way to follow the thread: let it run unprofiled */
        return FP_REAL(pthread_create)(thread, attr, start, arg);
    t->start = start;
    t->arg = arg;
    t->parent_tid = fp_self_tid();
    int rc = FP_REAL(pthread_create)(thread, attr, thread_begins, t);
    if (rc != 0)
        free(t);
    return rc;
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
