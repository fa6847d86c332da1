/*
 * Wrappers for the calls a program uses to take SIGPROF or ITIMER_PROF
 * for itself (another profiler, or its own sampling). The program wins:
 * the sampler steps aside, the call goes through unchanged.
 *
 * For the fatal signals while crash snapshots are on, sigaction and
 * signal read and set the program's view kept by crash.c instead: the
 * crash handler stays installed and runs the program's handler itself.
 *
 * While the sampler owns SIGPROF, masks the program sets never block it:
 * many programs (xz, servers with a signal-handling thread) block every
 * signal in their worker threads, which would hide those threads from the
 * profile. The program never receives SIGPROF, so it cannot tell.
 *
 * Signal context: none (the wrappers run wherever the program calls them,
 * and only call the sampler's step-aside outside handlers' paths).
 */
#include "interpose_signal.h"

#include <pthread.h>
#include <stdbool.h>

#include "crash.h"
#include "interpose.h"
#include "sampler.h"

static __typeof__(sigaction) *FP_REAL(sigaction);
static __typeof__(signal) *FP_REAL(signal);
static __typeof__(setitimer) *FP_REAL(setitimer);
static __typeof__(sigprocmask) *FP_REAL(sigprocmask);
static __typeof__(pthread_sigmask) *FP_REAL(pthread_sigmask);

int fp_real_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    return FP_RESOLVE(sigaction)(sig, act, old);
}

int fp_real_setitimer(int which, const struct itimerval *value, struct itimerval *old)
{
    return FP_RESOLVE(setitimer)(which, value, old);
}

static bool takes_sigprof(int sig, const struct sigaction *act)
{
    return sig == SIGPROF && act && fp_sampler_owns_sigprof() &&
           act->sa_handler != SIG_DFL && act->sa_handler != SIG_IGN;
}

FP_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    int rc;

    if (takes_sigprof(sig, act))
        fp_sampler_step_aside("the program installs its own SIGPROF handler");
    if (fp_crash_sigaction(sig, act, old, &rc))
        return rc;
    return fp_real_sigaction(sig, act, old);
}

FP_EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
    /* glibc's signal(): BSD semantics, the signal blocked in its handler. */
    struct sigaction act = {.sa_handler = handler, .sa_flags = SA_RESTART}, old;
    int rc;

    if (sig == SIGPROF && handler != SIG_DFL && handler != SIG_IGN && fp_sampler_owns_sigprof())
        fp_sampler_step_aside("the program installs its own SIGPROF handler");
    sigemptyset(&act.sa_mask);
    sigaddset(&act.sa_mask, sig);
    if (fp_crash_sigaction(sig, &act, &old, &rc))
        return rc == 0 ? old.sa_handler : SIG_ERR;
    return FP_RESOLVE(signal)(sig, handler);
}

FP_EXPORT int setitimer(__itimer_which_t which, const struct itimerval *value, struct itimerval *old)
{
    bool arms = value && (value->it_value.tv_sec || value->it_value.tv_usec);

    if (which == ITIMER_PROF && arms && fp_sampler_owns_sigprof())
        fp_sampler_step_aside("the program arms its own ITIMER_PROF");
    return fp_real_setitimer(which, value, old);
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

    return FP_RESOLVE(pthread_sigmask)(how, without_sigprof(how, set, &copy), old);
}
