/*
 * The CPU profile: the public flightprof_cpu_* API, the sample consumer
 * feeding the stack table, and writing the table out as a pprof CPU
 * profile.
 */
#ifndef FLIGHTPROF_CPU_H
#define FLIGHTPROF_CPU_H

#include <stdbool.h>

struct fp_engine;
struct fp_pprof;

/* The engine (engine.h): profiles from load when FLIGHTPROF_CPU is set,
 * and through flightprof_cpu_start. */
extern const struct fp_engine fp_cpu_engine;

/* Sampling periods the table had no room for, ever. */
uint64_t fp_cpu_lost_total(void);

/*
 * A window on the CPU samples (the endpoint's profile?seconds=N): it
 * counts the samples taken from its opening to its end, sharing one table
 * and one sampler with the file profile and every other window, however
 * they overlap. The first user starts the sampler at FLIGHTPROF_HZ;
 * others take it at the rate it runs. Windows are opened and ended in
 * the internal scope (self.h); a fork child has none of its parent's.
 */
struct fp_cpu_window;

/* Returns a new window, or NULL with errno: EBUSY when the program owns
 * SIGPROF or ITIMER_PROF, ENOMEM. */
struct fp_cpu_window *fp_cpu_window_open(void);

/* Ends `w` and returns its samples as a profile (time_nanos and
 * duration_nanos of the window), or NULL when out of memory; *failed when
 * some sample could not be added (fp_writer_encode_and_free refuses it). */
struct fp_pprof *fp_cpu_window_finish(struct fp_cpu_window *w, bool *failed);

/* Ends `w` without a profile. */
void fp_cpu_window_close(struct fp_cpu_window *w);

#endif
