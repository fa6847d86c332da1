/*
 * Crash snapshots: handlers for the fatal signals (SIGSEGV, SIGBUS, SIGILL,
 * SIGFPE, SIGABRT, SIGTRAP) that write a snapshot from the handler, on an
 * alternate stack, then let the signal take its course exactly as it
 * would have without flightprof.
 */
#ifndef FLIGHTPROF_CRASH_H
#define FLIGHTPROF_CRASH_H

#include "config.h"

/* Installs the handlers (keeping the previous dispositions to restore) and
 * gives the calling thread an alternate stack. `unwind` is how the
 * crashing thread's stack is walked. Called once by fp_recorder_init. */
void fp_crash_init(enum fp_unwind_mode unwind);

/* Per thread, from the recorder's thread hooks: an alternate signal stack
 * for threads that have none, and its release. No-ops when crash snapshots
 * are off. */
void fp_crash_thread_start(void);
void fp_crash_thread_exit(void);

#endif
