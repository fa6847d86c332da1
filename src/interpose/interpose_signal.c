/*
 * Wrappers for the calls a program uses to take SIGPROF or ITIMER_PROF
 * for itself (another profiler, or its own sampling). The program wins:
 * the sampler steps aside, the call goes through unchanged.
 *
 * For every signal flightprof holds (sigview.h), sigaction and signal read
 * and set the program's view instead of the real disposition.
 *
 * While the sampler owns SIGPROF, masks the program sets never block it:
 * many programs (xz, servers with a signal-handling thread) block every
 * signal in their worker threads, which would hide those threads from the
 * profile. The program never receives SIGPROF, so it cannot tell.
 *
 * Signal context: none (the wrappers run wherever the program calls them,
 * and only call the sampler's step-aside outside handlers' paths).
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/time.h>

#include "interpose.h"
#include "libc.h"
#include "sampler.h"
#include "sigview.h"

static __typeof__(signal) *FP_REAL(signal);
static __typeof__(sigprocmask) *FP_REAL(sigprocmask);

/* A program that takes SIGPROF makes the sampler step aside: see
 * sigview.h and the sampler's release hook. */
FP_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    int rc;

    if (fp_sigview_sigaction(sig, act, old, &rc))
        return rc;
    return fp_libc_sigaction(sig, act, old);
}

FP_EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
    /* glibc's signal(): BSD semantics, the signal blocked in its handler. */
    struct sigaction act = {.sa_handler = handler, .sa_flags = SA_RESTART}, old;
    int rc;

    sigemptyset(&act.sa_mask);
    sigaddset(&act.sa_mask, sig);
    if (fp_sigview_sigaction(sig, &act, &old, &rc))
        return rc == 0 ? old.sa_handler : SIG_ERR;
    return FP_RESOLVE(signal)(sig, handler);
}

FP_EXPORT int setitimer(__itimer_which_t which, const struct itimerval *value, struct itimerval *old)
{
    bool arms = value && (value->it_value.tv_sec || value->it_value.tv_usec);

    if (which == ITIMER_PROF && arms && fp_sampler_owns_sigprof())
        fp_sampler_step_aside("the program arms its own ITIMER_PROF");
    return fp_libc_setitimer(which, value, old);
}

/* The mask the program asked for, minus SIGPROF while we sample. */
static const sigset_t *without_sigprof(int how, const sigset_t *set, sigset_t *copy)
{
    if (!set || how == SIG_UNBLOCK || !sigismember(set, SIGPROF) || !fp_sampler_owns_sigprof())
        return set;
    *copy = *set;
    sigdelset(copy, SIGPROF);
    return copy;
}

FP_EXPORT int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
    sigset_t copy;

    return FP_RESOLVE(sigprocmask)(how, without_sigprof(how, set, &copy), old);
}

FP_EXPORT int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
    sigset_t copy;

    return fp_libc_pthread_sigmask(how, without_sigprof(how, set, &copy), old);
}
