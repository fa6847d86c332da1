/*
 * Process lifecycle hooks: what each module does at exit (with the exit
 * status, through on_exit, or at termination: terminate.c), around fork,
 * and at each program thread's start and end. Owns the hook lists
 * (written at load, read-only afterwards) and the configuration read at
 * load.
 *
 * Signal context: none.
 */
#include "lifecycle.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define MAX_HOOKS 16

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

/* Set by whichever path ends the process first: exit or termination. */
static atomic_flag exit_hooks_ran = ATOMIC_FLAG_INIT;

void fp_lifecycle_run_exit_hooks(int status)
{
    if (atomic_flag_test_and_set(&exit_hooks_ran))
        return;
    for (size_t i = 0; i < n_exit_hooks; i++)
        exit_hooks[i](status);
}

static void on_exit_status(int status, void *arg)
{
    (void)arg;
    fp_lifecycle_run_exit_hooks(status);
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

void fp_lifecycle_init(const struct fp_config *cfg)
{
    config = *cfg;
    on_exit(on_exit_status, NULL);
}
