/*
 * Crash snapshots: handlers for the fatal signals (SIGSEGV, SIGBUS, SIGILL,
 * SIGFPE, SIGABRT, SIGTRAP) that run the program's own handler if it has
 * one, and otherwise write a snapshot from the handler, on an alternate
 * stack, then let the signal take its course exactly as it would have
 * without flightprof.
 */
#ifndef FLIGHTPROF_CRASH_H
#define FLIGHTPROF_CRASH_H

#include <signal.h>
#include <stdbool.h>

#include "config.h"

/*
 * Installs the handlers, which keep the program's view of the fatal
 * signals (sigview.h) and run the program's handlers as the kernel would,
 * with no sample taken inside them: a crash handler that inspects the
 * process's memory (Redis tests all of it) must not find a profiler
 * writing there. With `snapshots`, a crash writes a snapshot first and
 * every thread gets an alternate stack for it; `unwind` is how the
 * crashing thread's stack is walked. Called once at load when any
 * collector is on.
 */
void fp_crash_init(enum fp_unwind_mode unwind, bool snapshots);

/* Thread hooks (lifecycle.h): an alternate signal stack for threads that
 * have none, and its release. No-ops when crash snapshots are off. */
void fp_crash_thread_start(void);
void fp_crash_thread_exit(void);

#endif
