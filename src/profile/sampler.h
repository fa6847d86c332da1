/*
 * The CPU sampler: a per-thread CPU-time timer on every thread delivers
 * SIGPROF to that thread; the handler unwinds the interrupted stack and
 * hands it to every registered consumer (the CPU profile, the recorder). Falls back to process-wide ITIMER_PROF only
 * where per-thread timers cannot be created.
 */
#ifndef FLIGHTPROF_SAMPLER_H
#define FLIGHTPROF_SAMPLER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

/* Receives each sample in the signal handler: must be async-signal-safe.
 * pcs[0] is the exact interrupted PC. `weight` is the number of sampling
 * periods of CPU time the sample stands for (at least 1): the kernel
 * checks CPU timers once per tick, so at rates above the tick one signal
 * carries several expiries. */
typedef void (*fp_sample_fn)(const uintptr_t *pcs, int depth, int tid, uint64_t weight);

/* Adds `fn` to the consumers of every sample, whoever started the
 * sampler. At load only, before any start (the handler reads the list
 * without a lock). */
void fp_sampler_add_consumer(fp_sample_fn fn);

/*
 * Takes the sampler for one more user. The first installs the SIGPROF
 * handler and arms a timer on every thread at `hz` with the unwinding
 * settings; later users share it as it runs (fp_sampler_period_ns says
 * at what rate). Returns 0, or -1 with errno EBUSY when the program owns
 * SIGPROF or ITIMER_PROF (nothing is changed then) or has taken it since
 * the sampler started.
 */
int fp_sampler_acquire(int hz, enum fp_unwind_mode mode, int depth);

/* One user fewer: the last one disarms every timer and waits until no
 * handler runs. */
void fp_sampler_release(void);

/* At exit: disarms every timer whoever holds the sampler, and waits until
 * no handler runs. */
void fp_sampler_stop(void);

/* Waits until no handler runs: a consumer that stops using memory while
 * the sampler runs on for others frees it only after this. */
void fp_sampler_wait_handlers(void);

/* Sampling periods handed to the consumers so far, and those lost because
 * no stack could be unwound. Async-signal-safe. */
void fp_sampler_counts(uint64_t *samples, uint64_t *lost);

/* The period of the sampler's last start in ns of thread CPU time, 0 if
 * it never started. Async-signal-safe. */
long fp_sampler_period_ns(void);

/* Arms/disarms the calling thread's timer (and unblocks SIGPROF in it):
 * thread hooks (lifecycle.h), registered after every other so that a
 * thread is sampled only once the others have prepared it, and no longer
 * once they start undoing that. No-ops when the sampler is stopped. */
void fp_sampler_thread_start(void);
void fp_sampler_thread_exit(void);

/*
 * The program is taking SIGPROF or ITIMER_PROF for itself: logs `why`
 * once, disarms flightprof's timers and leaves the signal to the program.
 * Samples taken so far are kept.
 */
void fp_sampler_step_aside(const char *why);

/* Whether `sig`/ITIMER_PROF changes should make the sampler step aside:
 * true while it runs and the caller is not flightprof itself. */
bool fp_sampler_owns_sigprof(void);

/*
 * Around fork (registered before every other fork hook, so that the
 * prepare hook runs last): no sample inside fork(), where glibc holds the
 * allocator's and stdio's locks and a sample must never wait for a lock.
 * before_fork blocks SIGPROF in the forking thread; after_fork (parent
 * and child) unblocks it if it was open.
 */
void fp_sampler_before_fork(void);
void fp_sampler_after_fork(void);

/* In a fork child, first (timers are not inherited): forgets the
 * parent's timers; last, once every engine has reset its state (and
 * maybe released the sampler): re-arms the calling (only) thread if the
 * sampler still runs. */
void fp_sampler_after_fork_child(void);
void fp_sampler_rearm_child(void);

#endif
