/*
 * Process lifecycle hooks: what each module does at exit (with the exit
 * status, through on_exit), at termination by SIGTERM/SIGINT left at their
 * default disposition (on the service thread, then the signal is re-raised
 * so the exit status is the one the program would have had), around fork,
 * and at each program thread's start and end.
 *
 * Signal context: on_terminate_signal.
 */
#include "lifecycle.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "discovery.h"
#include "libc.h"
#include "log.h"
#include "outfile.h"
#include "pattern.h"
#include "service.h"
#include "sigview.h"

#define MAX_HOOKS 16
/* How long the signalled thread waits for the outputs to be written
 * before the process dies without them. */
#define TERMINATE_WAIT_MS 5000

/* Registered at load by init.c, before any other thread exists; read-only
 * afterwards. */
static void (*exit_hooks[MAX_HOOKS])(int status);
static size_t n_exit_hooks;
static struct {
    void (*start)(void);
    void (*exit)(void);
} thread_hooks[MAX_HOOKS];
static size_t n_thread_hooks;
static struct fp_config config;
/* The pid at load: a fork child knows it is one because getpid() differs.
 * exec_descendant: an ancestor's discovery file names one of our outputs
 * with the same pattern (set at load). */
static pid_t load_pid;
static bool exec_descendant;

/* Set by whichever path ends the process first: exit or termination. */
static atomic_flag exit_hooks_ran = ATOMIC_FLAG_INIT;
/* The terminating signal the service thread re-raises. */
static _Atomic int terminate_signal;
static const struct sigaction default_action = {.sa_handler = SIG_DFL};

static void run_exit_hooks(int status)
{
    if (atomic_flag_test_and_set(&exit_hooks_ran))
        return;
    for (size_t i = 0; i < n_exit_hooks; i++)
        exit_hooks[i](status);
}

static void on_exit_status(int status, void *arg)
{
    (void)arg;
    run_exit_hooks(status);
}

void fp_lifecycle_on_exit(void (*fn)(int status))
{
    if (n_exit_hooks == MAX_HOOKS) {
        fp_log("internal: too many exit hooks");
        return;
    }
    exit_hooks[n_exit_hooks++] = fn;
}

void fp_lifecycle_on_fork(void (*prepare)(void), void (*parent)(void), void (*child)(void))
{
    pthread_atfork(prepare, parent, child);
}

void fp_lifecycle_on_thread(void (*start)(void), void (*exit)(void))
{
    if (n_thread_hooks == MAX_HOOKS) {
        fp_log("internal: too many thread hooks");
        return;
    }
    thread_hooks[n_thread_hooks].start = start;
    thread_hooks[n_thread_hooks].exit = exit;
    n_thread_hooks++;
}

void fp_lifecycle_thread_start(void)
{
    for (size_t i = 0; i < n_thread_hooks; i++)
        if (thread_hooks[i].start)
            thread_hooks[i].start();
}

void fp_lifecycle_thread_exit(void)
{
    for (size_t i = n_thread_hooks; i-- > 0;)
        if (thread_hooks[i].exit)
            thread_hooks[i].exit();
}

const struct fp_config *fp_lifecycle_config(void)
{
    return &config;
}

bool fp_lifecycle_descendant(void)
{
    return getpid() != load_pid || exec_descendant;
}

void fp_lifecycle_own_pattern(const char *pattern, char *out)
{
    size_t len = strlen(pattern);

    memcpy(out, pattern, len + 1);
    if (!fp_lifecycle_descendant() || strstr(pattern, "%p"))
        return;
    if (len + 4 < PATH_MAX)
        memcpy(out + len, ".%p", 4);
}

void fp_lifecycle_output_path(const char *pattern, int64_t start_wall_ns, char *out)
{
    char own[PATH_MAX];

    fp_lifecycle_own_pattern(pattern, own);
    if (fp_pattern_expand(own, getpid(), (uint64_t)(start_wall_ns / 1000000000), 0, out,
                          PATH_MAX) != 0)
        memcpy(out, own, PATH_MAX);
}

/* Runs on the service thread: writes what exit would have written, then
 * lets the signal kill the process with its default action. */
static void terminate_job(void)
{
    int sig = atomic_load(&terminate_signal);
    sigset_t set;

    run_exit_hooks(-sig);
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

static void on_terminate_signal(int sig)
{
    int expected = 0;

    if (!atomic_compare_exchange_strong(&terminate_signal, &expected, sig))
        wait_for_death(expected); /* already terminating */
    else if (fp_service_post(FP_JOB_TERMINATE) != 0)
        die_of(sig); /* no service thread: die now */
    else
        wait_for_death(sig);
}

/* Holds SIGTERM and SIGINT while the program leaves them at the default
 * (death), so that outputs get written before dying. The program sees
 * SIG_DFL; one that installs its own handler (or SIG_IGN) gets the signal
 * at once, and flightprof takes it back if the program restores SIG_DFL
 * (sigview.h). */
static void catch_terminate_signals(void)
{
    static const int sigs[] = {SIGTERM, SIGINT};
    struct sigaction sa;

    fp_service_register(FP_JOB_TERMINATE, terminate_job);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_terminate_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        fp_sigview_hold(sigs[i], &sa, FP_SIGVIEW_YIELD, NULL); /* EBUSY: the program's */
}

/* Whether this process is the root of a profiled tree, found without
 * touching the environment (which is the program's): a fork child is
 * told by its pid, an exec'd program by its ancestors' discovery files. */
static void find_root_pid(void)
{
    load_pid = getpid();
    exec_descendant = fp_discovery_ancestor_shares_output(&config);
}

void fp_lifecycle_init(const struct fp_config *cfg, bool any_output)
{
    config = *cfg;
    find_root_pid();
    on_exit(on_exit_status, NULL);
    if (any_output)
        catch_terminate_signals();
}
