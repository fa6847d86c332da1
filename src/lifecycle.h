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

/* Called once by init.c at load: remembers the configuration, marks the
 * root process of a profiled tree, and hooks exit. */
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

/*
 * Whether this process descends from the one where flightprof first
 * loaded: a fork child, or an exec'd program whose ancestor writes the
 * same outputs. Its outputs get their own names (below), and at exit an
 * output with nothing in it is not written: fork-heavy programs (shells,
 * build tools) would otherwise pay for a file per short process.
 */
bool fp_lifecycle_descendant(void);

/* The configuration read at load. */
const struct fp_config *fp_lifecycle_config(void);

/*
 * Rewrites an output pattern for this process: in a process that is a
 * descendant of the one where flightprof first loaded (a fork child, or a
 * program it exec'd), a pattern without %p gets ".%p" appended so that
 * parent and child never write the same file. `out` has PATH_MAX bytes.
 */
void fp_lifecycle_own_pattern(const char *pattern, char *out);

/*
 * The file name for this process of a profile started at `start_wall_ns`
 * (CLOCK_REALTIME): fp_lifecycle_own_pattern, then %p and %t expanded.
 * `out` has PATH_MAX bytes; a name too long stays unexpanded.
 */
void fp_lifecycle_output_path(const char *pattern, int64_t start_wall_ns, char *out);

#endif
