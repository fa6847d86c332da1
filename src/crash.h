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

/* Installs the handlers (keeping the previous dispositions to restore) and
 * gives the calling thread an alternate stack. `unwind` is how the
 * crashing thread's stack is walked. Called once by fp_recorder_init. */
void fp_crash_init(enum fp_unwind_mode unwind);

/*
 * sigaction for the program, while flightprof's handler holds `sig`:
 * reads and sets the program's view of it instead of the real disposition
 * and returns true with the result in *rc. Returns false for signals it
 * does not hold (the caller makes the real call). Async-signal-safe.
 */
bool fp_crash_sigaction(int sig, const struct sigaction *act, struct sigaction *old, int *rc);

/* Per thread, from the recorder's thread hooks: an alternate signal stack
 * for threads that have none, and its release. No-ops when crash snapshots
 * are off. */
void fp_crash_thread_start(void);
void fp_crash_thread_exit(void);

#endif
