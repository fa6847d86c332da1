/*
 * Termination by SIGTERM/SIGINT left at their default disposition: the
 * handler hands the work to the service thread, which runs the exit hooks
 * (lifecycle.h) with status -signal and re-raises the signal at its
 * default, so that the process dies of it with the outputs written and
 * the status the program would have had. Owns the pending terminating
 * signal.
 *
 * Signal context: on_terminate_signal, die_of, wait_for_death.
 */
#include "terminate.h"

#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "libc.h"
#include "lifecycle.h"
#include "service.h"
#include "sigview.h"

/* How long the signalled thread waits for the outputs to be written
 * before the process dies without them. */
#define TERMINATE_WAIT_MS 5000

/* The terminating signal the service thread re-raises. */
static _Atomic int terminate_signal;
static const struct sigaction default_action = {.sa_handler = SIG_DFL};

/* Runs on the service thread: writes what exit would have written, then
 * lets the signal kill the process with its default action. */
static void terminate_job(void)
{
    int sig = atomic_load(&terminate_signal);
    sigset_t set;

    fp_lifecycle_run_exit_hooks(-sig);
    fp_sigview_drop(sig, &default_action);
    sigemptyset(&set);
    sigaddset(&set, sig);
    fp_libc_pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    kill(getpid(), sig);
}

/* Dies of `sig` as the program would have: at once if it is not blocked,
 * or as soon as the handler that blocks it returns. */
static void die_of(int sig)
{
    fp_sigview_drop(sig, &default_action);
    raise(sig);
}

/* The program would be dead by now, and a program that signals itself
 * (CPython re-raises SIGINT at exit, then exits 130 if it still lives)
 * must not run on: the thread the signal found stays here while the
 * service thread writes and re-raises, which ends the process. A write
 * that takes too long is given up. */
static void wait_for_death(int sig)
{
    struct timespec ms = {0, 1000000};

    for (int i = 0; i < TERMINATE_WAIT_MS; i++)
        fp_libc_syscall(SYS_nanosleep, (long)&ms, 0, 0, 0, 0, 0); /* not our nanosleep */
    die_of(sig);
}

static void on_terminate_signal(int sig, siginfo_t *info, void *ucontext)
{
    int expected = 0;

    (void)info;
    (void)ucontext;
    if (!atomic_compare_exchange_strong(&terminate_signal, &expected, sig))
        wait_for_death(expected); /* already terminating */
    else if (fp_service_post(FP_JOB_TERMINATE) != 0)
        die_of(sig); /* no service thread: die now */
    else
        wait_for_death(sig);
}

void fp_terminate_init(void)
{
    static const int sigs[] = {SIGTERM, SIGINT};
    fp_service_register(FP_JOB_TERMINATE, terminate_job);
    /* EBUSY: the program handles it, and dies of it as it chooses. */
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        fp_sigview_hold(sigs[i], on_terminate_signal, 0, FP_SIGVIEW_YIELD, NULL);
}
