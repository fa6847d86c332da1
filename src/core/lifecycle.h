/*
 * Process lifecycle: library load, exit (with its status), termination by
 * SIGTERM/SIGINT at their default disposition, fork, and the start and end
 * of each program thread. Modules register what they must do at each
 * point, at load only (the lists are read-only afterwards); the order of
 * registration is the order of running, except where a hook undoes what
 * an earlier one did (fork prepare, thread exit), which runs in reverse.
 */
#ifndef FLIGHTPROF_LIFECYCLE_H
#define FLIGHTPROF_LIFECYCLE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

/* Called once by init.c at load: remembers the configuration and hooks
 * exit. */
void fp_lifecycle_init(const struct fp_config *cfg);

/*
 * `fn(status)` runs once when the process ends: at exit() or return from
 * main with the exit status (status >= 0), or when it is about to die of
 * SIGTERM/SIGINT, on the service thread, with status = -signal. Not run on
 * crashes (see the crash handler) or _exit().
 */
void fp_lifecycle_on_exit(void (*fn)(int status));

/* Runs the exit hooks with `status`, unless they ran already: for the
 * paths that end the process other than exit (terminate.h). */
void fp_lifecycle_run_exit_hooks(int status);

/* fork hooks, run around every fork() (pthread_atfork order: prepare in
 * reverse registration order, parent and child in registration order). */
void fp_lifecycle_on_fork(void (*prepare)(void), void (*parent)(void), void (*child)(void));

/* Thread hooks: `start` runs on each new program thread, on it, once it
 * is registered (threads.h); `exit` runs on it before it ends. Either may
 * be NULL. */
void fp_lifecycle_on_thread(void (*start)(void), void (*exit)(void));

/* Called by the thread wrappers (interpose_pthread.c) on the thread. */
void fp_lifecycle_thread_start(void);
void fp_lifecycle_thread_exit(void);

/* The configuration read at load. */
const struct fp_config *fp_lifecycle_config(void);

#endif
