/*
 * The service thread: a flightprof thread, started on first use, that does
 * work a signal handler must not do (write profiles and snapshots, which
 * allocate and take locks). A handler posts a job; the thread runs it.
 * The thread blocks every signal, is never sampled, and holds no file
 * descriptor: it sleeps on a futex, so a program that closes or counts
 * its descriptors never meets one of ours.
 */
#ifndef FLIGHTPROF_SERVICE_H
#define FLIGHTPROF_SERVICE_H

#include <stdint.h>

enum fp_service_job {
    FP_JOB_SNAPSHOT,   /* the snapshot signal arrived */
    FP_JOB_HEAP_WRITE, /* FLIGHTPROF_HEAP_SIGNAL arrived */
    FP_JOB_TERMINATE,  /* SIGTERM/SIGINT at default disposition: write
                          outputs as at exit, then die of the signal */
    FP_JOB_COUNT
};

/* Sets the function run for `job`. Call before posting it. */
void fp_service_register(enum fp_service_job job, void (*fn)(void));

/* Runs `fn` on the service thread every `period_ns` from now (one such
 * job; missed periods are skipped, not run twice). Call at load, before
 * the thread starts. */
void fp_service_every(uint64_t period_ns, void (*fn)(void));

/*
 * Starts the service thread if it is not running (not from a handler).
 * Returns 0 or -1.
 */
int fp_service_start(void);

/*
 * Stops the service thread and waits for it to end (not from a handler,
 * nor from the service thread). Used when the program's last thread is
 * ending: glibc ends the process when its last thread exits, and our
 * thread must not be the one that keeps it alive.
 */
void fp_service_stop(void);

/*
 * Asks the service thread to run `job` soon; posts that arrive before it
 * runs coalesce. Returns 0, or -1 if the thread is not running.
 * Async-signal-safe (atomic operations and a futex wake); preserves errno.
 */
int fp_service_post(enum fp_service_job job);

/* In a fork child: the thread did not survive the fork; the next
 * fp_service_start starts a new one. */
void fp_service_after_fork_child(void);

#endif
