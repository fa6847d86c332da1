/*
 * Wrappers for the calls a thread blocks in: condition variables, joins,
 * semaphores, barriers, sleeps and I/O multiplexing. Each records how long
 * the call blocked as a wait event of the flight recorder and, for the
 * waits on synchronization (not sleeps or polling), in the block profile,
 * and marks the thread as in that wait meanwhile; with none of these on a
 * wrapper is one check and the real call. Calls that cannot block (a zero
 * timeout) are not recorded.
 *
 * Owns only the resolved next definitions.
 *
 * Signal context: none (the wrappers may run in a program's handler, where
 * they call only the real function and the async-signal-safe recorder).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "blockprof.h"
#include "clock.h"
#include "hooks.h"
#include "interpose.h"
#include "recorder.h"
#include "snapfmt.h"
#include "threads.h"

#define CALLER() __builtin_return_address(0)

static __typeof__(pthread_cond_wait) *FP_REAL(pthread_cond_wait);
static __typeof__(pthread_cond_timedwait) *FP_REAL(pthread_cond_timedwait);
static __typeof__(pthread_cond_clockwait) *FP_REAL(pthread_cond_clockwait);
static __typeof__(pthread_join) *FP_REAL(pthread_join);
static __typeof__(nanosleep) *FP_REAL(nanosleep);
static __typeof__(clock_nanosleep) *FP_REAL(clock_nanosleep);
static __typeof__(usleep) *FP_REAL(usleep);
static __typeof__(sleep) *FP_REAL(sleep);
static __typeof__(poll) *FP_REAL(poll);
static __typeof__(ppoll) *FP_REAL(ppoll);
static __typeof__(select) *FP_REAL(select);
static __typeof__(pselect) *FP_REAL(pselect);
static __typeof__(epoll_wait) *FP_REAL(epoll_wait);
static __typeof__(epoll_pwait) *FP_REAL(epoll_pwait);
static __typeof__(sem_wait) *FP_REAL(sem_wait);
static __typeof__(sem_timedwait) *FP_REAL(sem_timedwait);
static __typeof__(sem_clockwait) *FP_REAL(sem_clockwait);
static __typeof__(pthread_barrier_wait) *FP_REAL(pthread_barrier_wait);

/* What each call is, as a thread state; the waits on synchronization
 * (those up to FP_THREAD_WAIT_BARRIER) also feed the block profile. */
static const unsigned char state_of[FP_WAIT_KIND_COUNT] = {
    [FP_WAIT_COND] = FP_THREAD_WAIT_COND,         [FP_WAIT_COND_TIMED] = FP_THREAD_WAIT_COND,
    [FP_WAIT_COND_CLOCK] = FP_THREAD_WAIT_COND,   [FP_WAIT_JOIN] = FP_THREAD_WAIT_JOIN,
    [FP_WAIT_NANOSLEEP] = FP_THREAD_WAIT_SLEEP,   [FP_WAIT_CLOCK_NANOSLEEP] = FP_THREAD_WAIT_SLEEP,
    [FP_WAIT_USLEEP] = FP_THREAD_WAIT_SLEEP,      [FP_WAIT_SLEEP] = FP_THREAD_WAIT_SLEEP,
    [FP_WAIT_POLL] = FP_THREAD_WAIT_IO,           [FP_WAIT_PPOLL] = FP_THREAD_WAIT_IO,
    [FP_WAIT_SELECT] = FP_THREAD_WAIT_IO,         [FP_WAIT_PSELECT] = FP_THREAD_WAIT_IO,
    [FP_WAIT_EPOLL_WAIT] = FP_THREAD_WAIT_IO,     [FP_WAIT_EPOLL_PWAIT] = FP_THREAD_WAIT_IO,
    [FP_WAIT_SEM] = FP_THREAD_WAIT_SEM,           [FP_WAIT_SEM_TIMED] = FP_THREAD_WAIT_SEM,
    [FP_WAIT_SEM_CLOCK] = FP_THREAD_WAIT_SEM,     [FP_WAIT_BARRIER] = FP_THREAD_WAIT_BARRIER,
};

/* The feeds (hooks.h) a call of `kind` has: all three for a wait on
 * synchronization, the recorder and the thread state for the others. */
#define FEEDS_OF(kind)                                                             \
    (state_of[kind] <= FP_THREAD_WAIT_BARRIER                                      \
         ? FP_FEED_RECORDER | FP_FEED_BLOCK | FP_FEED_STATE                        \
         : FP_FEED_RECORDER | FP_FEED_STATE)

/*
 * Runs `call` (an expression) and, when `blocks` (whether the call can
 * block at all) holds, feeds what the wrappers feed (hooks.h): the thread's
 * state while it is in the call, and its duration to the recorder, as a
 * wait of `kind` on `object`, and to the block profile. Evaluates to the
 * call's result; preserves errno.
 */
#define TIMED_WAIT(kind, object, blocks, call)                                      \
    ({                                                                              \
        __typeof__(call) rc_;                                                       \
        unsigned h_ = fp_hooks_feeds(FP_HOOK_WAIT) & FEEDS_OF(kind);                \
        if (!h_ || !(blocks)) {                                                     \
            rc_ = (call);                                                           \
        } else {                                                                    \
            /* The thread state alone needs no clock. */                         \
            bool timed_ = h_ & (FP_FEED_RECORDER | FP_FEED_BLOCK);                  \
            uint64_t t0_ = timed_ ? fp_now_ns() : 0;                                \
            unsigned before_ =                                                      \
                h_ & FP_FEED_STATE ? fp_threads_wait_begin(state_of[kind]) : 0;      \
            rc_ = (call);                                                           \
            int errno_ = errno;                                                     \
            uint64_t waited_ = timed_ ? fp_now_ns() - t0_ : 0;                      \
            if (h_ & FP_FEED_STATE)                                                 \
                fp_threads_wait_end(before_);                                       \
            if (h_ & FP_FEED_RECORDER)                                              \
                fp_recorder_wait((kind), (const void *)(uintptr_t)(object), waited_, \
                                 CALLER());                                         \
            if (h_ & FP_FEED_BLOCK)                                                 \
                fp_blockprof_wait(waited_, CALLER());                               \
            errno = errno_;                                                         \
        }                                                                           \
        rc_;                                                                        \
    })

FP_EXPORT int pthread_cond_wait(pthread_cond_t *cond, pthread_mutex_t *mutex)
{
    return TIMED_WAIT(FP_WAIT_COND, cond, 1, FP_RESOLVE(pthread_cond_wait)(cond, mutex));
}

FP_EXPORT int pthread_cond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mutex,
                                     const struct timespec *abstime)
{
    return TIMED_WAIT(FP_WAIT_COND_TIMED, cond, 1,
                      FP_RESOLVE(pthread_cond_timedwait)(cond, mutex, abstime));
}

FP_EXPORT int pthread_cond_clockwait(pthread_cond_t *cond, pthread_mutex_t *mutex,
                                     clockid_t clock, const struct timespec *abstime)
{
    return TIMED_WAIT(FP_WAIT_COND_CLOCK, cond, 1,
                      FP_RESOLVE(pthread_cond_clockwait)(cond, mutex, clock, abstime));
}

FP_EXPORT int pthread_join(pthread_t thread, void **ret)
{
    return TIMED_WAIT(FP_WAIT_JOIN, thread, 1, FP_RESOLVE(pthread_join)(thread, ret));
}

FP_EXPORT int nanosleep(const struct timespec *req, struct timespec *rem)
{
    return TIMED_WAIT(FP_WAIT_NANOSLEEP, 0, 1, FP_RESOLVE(nanosleep)(req, rem));
}

FP_EXPORT int clock_nanosleep(clockid_t clock, int flags, const struct timespec *req,
                              struct timespec *rem)
{
    return TIMED_WAIT(FP_WAIT_CLOCK_NANOSLEEP, clock, 1,
                      FP_RESOLVE(clock_nanosleep)(clock, flags, req, rem));
}

FP_EXPORT int usleep(useconds_t usec)
{
    return TIMED_WAIT(FP_WAIT_USLEEP, 0, usec != 0, FP_RESOLVE(usleep)(usec));
}

FP_EXPORT unsigned int sleep(unsigned int seconds)
{
    return TIMED_WAIT(FP_WAIT_SLEEP, 0, seconds != 0, FP_RESOLVE(sleep)(seconds));
}

FP_EXPORT int poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
    return TIMED_WAIT(FP_WAIT_POLL, nfds, timeout != 0,
                      FP_RESOLVE(poll)(fds, nfds, timeout));
}

static int timespec_blocks(const struct timespec *ts)
{
    return !ts || ts->tv_sec || ts->tv_nsec;
}

FP_EXPORT int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
                    const sigset_t *sigmask)
{
    return TIMED_WAIT(FP_WAIT_PPOLL, nfds, timespec_blocks(timeout),
                      FP_RESOLVE(ppoll)(fds, nfds, timeout, sigmask));
}

FP_EXPORT int select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
                     struct timeval *timeout)
{
    int blocks = !timeout || timeout->tv_sec || timeout->tv_usec;

    return TIMED_WAIT(FP_WAIT_SELECT, nfds, blocks,
                      FP_RESOLVE(select)(nfds, readfds, writefds, exceptfds, timeout));
}

FP_EXPORT int pselect(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
                      const struct timespec *timeout, const sigset_t *sigmask)
{
    return TIMED_WAIT(FP_WAIT_PSELECT, nfds, timespec_blocks(timeout),
                      FP_RESOLVE(pselect)(nfds, readfds, writefds, exceptfds, timeout, sigmask));
}

FP_EXPORT int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)
{
    return TIMED_WAIT(FP_WAIT_EPOLL_WAIT, epfd, timeout != 0,
                      FP_RESOLVE(epoll_wait)(epfd, events, maxevents, timeout));
}

FP_EXPORT int epoll_pwait(int epfd, struct epoll_event *events, int maxevents, int timeout,
                          const sigset_t *sigmask)
{
    return TIMED_WAIT(FP_WAIT_EPOLL_PWAIT, epfd, timeout != 0,
                      FP_RESOLVE(epoll_pwait)(epfd, events, maxevents, timeout, sigmask));
}

FP_EXPORT int sem_wait(sem_t *sem)
{
    return TIMED_WAIT(FP_WAIT_SEM, sem, 1, FP_RESOLVE(sem_wait)(sem));
}

FP_EXPORT int sem_timedwait(sem_t *sem, const struct timespec *abstime)
{
    return TIMED_WAIT(FP_WAIT_SEM_TIMED, sem, 1, FP_RESOLVE(sem_timedwait)(sem, abstime));
}

FP_EXPORT int sem_clockwait(sem_t *sem, clockid_t clock, const struct timespec *abstime)
{
    return TIMED_WAIT(FP_WAIT_SEM_CLOCK, sem, 1,
                      FP_RESOLVE(sem_clockwait)(sem, clock, abstime));
}

FP_EXPORT int pthread_barrier_wait(pthread_barrier_t *barrier)
{
    return TIMED_WAIT(FP_WAIT_BARRIER, barrier, 1, FP_RESOLVE(pthread_barrier_wait)(barrier));
}
