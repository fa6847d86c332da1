/*
 * Lock wrappers: pthread_mutex_lock/timedlock and pthread_rwlock_{rd,wr}lock
 * and their timed variants. Each tries the lock first; only if that would
 * block does it time the real acquisition (CLOCK_MONOTONIC), mark the
 * thread as waiting on a lock meanwhile, and report the wait to the flight
 * recorder, the mutex profile and the block profile. Uncontended locking
 * costs a trylock; with nothing to feed (hooks.h), a load and a branch.
 *
 * flightprof's own locking (in the internal scope) goes straight through,
 * so the reporting path never recurses into itself.
 *
 * Signal context: none.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "blockprof.h"
#include "clock.h"
#include "hooks.h"
#include "interpose.h"
#include "mutexprof.h"
#include "recorder.h"
#include "self.h"
#include "threads.h"

#define HOOK_MUTEX FP_FEED_PROFILE
#define HOOK_RECORDER FP_FEED_RECORDER
#define HOOK_BLOCK FP_FEED_BLOCK
#define HOOK_STATE FP_FEED_STATE

static __typeof__(pthread_mutex_lock) *FP_REAL(pthread_mutex_lock);
static __typeof__(pthread_mutex_trylock) *FP_REAL(pthread_mutex_trylock);
static __typeof__(pthread_mutex_timedlock) *FP_REAL(pthread_mutex_timedlock);
static __typeof__(pthread_rwlock_rdlock) *FP_REAL(pthread_rwlock_rdlock);
static __typeof__(pthread_rwlock_tryrdlock) *FP_REAL(pthread_rwlock_tryrdlock);
static __typeof__(pthread_rwlock_timedrdlock) *FP_REAL(pthread_rwlock_timedrdlock);
static __typeof__(pthread_rwlock_wrlock) *FP_REAL(pthread_rwlock_wrlock);
static __typeof__(pthread_rwlock_trywrlock) *FP_REAL(pthread_rwlock_trywrlock);
static __typeof__(pthread_rwlock_timedwrlock) *FP_REAL(pthread_rwlock_timedwrlock);

/* One kind of lock: how to try it and how to wait for it (`abstime` NULL
 * for the untimed call). */
struct lock_ops {
    enum fp_lock_kind kind;
    int (*try_acquire)(void *lock);
    int (*acquire)(void *lock, const struct timespec *abstime);
};

static int mutex_try(void *lock)
{
    return FP_RESOLVE(pthread_mutex_trylock)(lock);
}

static int mutex_acquire(void *lock, const struct timespec *abstime)
{
    return abstime ? FP_RESOLVE(pthread_mutex_timedlock)(lock, abstime)
                   : FP_RESOLVE(pthread_mutex_lock)(lock);
}

static int read_try(void *lock)
{
    return FP_RESOLVE(pthread_rwlock_tryrdlock)(lock);
}

static int read_acquire(void *lock, const struct timespec *abstime)
{
    return abstime ? FP_RESOLVE(pthread_rwlock_timedrdlock)(lock, abstime)
                   : FP_RESOLVE(pthread_rwlock_rdlock)(lock);
}

static int write_try(void *lock)
{
    return FP_RESOLVE(pthread_rwlock_trywrlock)(lock);
}

static int write_acquire(void *lock, const struct timespec *abstime)
{
    return abstime ? FP_RESOLVE(pthread_rwlock_timedwrlock)(lock, abstime)
                   : FP_RESOLVE(pthread_rwlock_wrlock)(lock);
}

static const struct lock_ops mutex_ops = {FP_LOCK_MUTEX, mutex_try, mutex_acquire};
static const struct lock_ops read_ops = {FP_LOCK_RWLOCK_READ, read_try, read_acquire};
static const struct lock_ops write_ops = {FP_LOCK_RWLOCK_WRITE, write_try, write_acquire};

/* The slow path: the lock is taken; time the wait for it. */
__attribute__((noinline)) static int acquire_contended(unsigned h, const struct lock_ops *ops,
                                                        void *lock,
                                                        const struct timespec *abstime,
                                                        const void *caller)
{
    uint64_t start = fp_now_ns();
    unsigned before = h & HOOK_STATE ? fp_threads_wait_begin(FP_THREAD_WAIT_LOCK) : 0;
    int rc = ops->acquire(lock, abstime);
    uint64_t waited = fp_now_ns() - start;

    if (h & HOOK_STATE)
        fp_threads_wait_end(before);
    if (rc != 0 && rc != EOWNERDEAD)
        return rc; /* not acquired: nothing was waited *for* */
    if (h & HOOK_RECORDER)
        fp_recorder_lock_wait(ops->kind, lock, waited, caller);
    if (h & HOOK_MUTEX)
        fp_mutexprof_contended(waited, caller);
    if (h & HOOK_BLOCK)
        fp_blockprof_wait(waited, caller);
    return rc;
}

__attribute__((noinline)) static int acquire_hooked(unsigned h, const struct lock_ops *ops,
                                                     void *lock, const struct timespec *abstime,
                                                     const void *caller)
{
    if (fp_internal_active())
        return ops->acquire(lock, abstime);
    int rc = ops->try_acquire(lock);
    if (rc != EBUSY)
        return rc; /* taken at once, or an error the real call would give too */
    return acquire_contended(h, ops, lock, abstime, caller);
}

/* With nothing to feed, a tail call to the real function: no frame. */
#define ACQUIRE(ops, lock, abstime)                                                   \
    do {                                                                              \
        unsigned h_ = fp_hooks_feeds(FP_HOOK_LOCK);                                   \
        if (__builtin_expect(h_ == 0, 1))                                             \
            return (ops)->acquire(lock, abstime);                                     \
        return acquire_hooked(h_, ops, lock, abstime, __builtin_return_address(0));   \
    } while (0)

FP_EXPORT int pthread_mutex_lock(pthread_mutex_t *mutex)
{
    ACQUIRE(&mutex_ops, mutex, NULL);
}

FP_EXPORT int pthread_mutex_timedlock(pthread_mutex_t *mutex, const struct timespec *abstime)
{
    ACQUIRE(&mutex_ops, mutex, abstime);
}

FP_EXPORT int pthread_rwlock_rdlock(pthread_rwlock_t *rwlock)
{
    ACQUIRE(&read_ops, rwlock, NULL);
}

FP_EXPORT int pthread_rwlock_timedrdlock(pthread_rwlock_t *rwlock, const struct timespec *abstime)
{
    ACQUIRE(&read_ops, rwlock, abstime);
}

FP_EXPORT int pthread_rwlock_wrlock(pthread_rwlock_t *rwlock)
{
    ACQUIRE(&write_ops, rwlock, NULL);
}

FP_EXPORT int pthread_rwlock_timedwrlock(pthread_rwlock_t *rwlock, const struct timespec *abstime)
{
    ACQUIRE(&write_ops, rwlock, abstime);
}
