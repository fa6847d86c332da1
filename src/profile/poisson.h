/*
 * Poisson sampling arithmetic shared by the heap and mutex profiles: a
 * small per-thread random generator, exponentially distributed intervals
 * (so that sampling by bytes is a Poisson process and unbiased by
 * allocation size), and Go's formula to unsample the sampled totals.
 * Implemented without libm, which the library does not link.
 */
#ifndef FLIGHTPROF_POISSON_H
#define FLIGHTPROF_POISSON_H

#include <stdint.h>

/* A generator state seeded from the thread, the time and ASLR; never 0. */
uint64_t fp_poisson_seed(void);

/* The next 64 random bits; updates *state. */
uint64_t fp_poisson_next(uint64_t *state);

/* An exponentially distributed interval with the given mean, rounded
 * down; 0 when mean <= 1 (sample everything). */
int64_t fp_poisson_interval(uint64_t *state, uint64_t mean);

/* The factor that turns sampled counts of blocks of `avg_size` bytes into
 * estimated totals when one byte in `rate` on average is sampled:
 * 1 / (1 - exp(-avg_size / rate)), and 1 when rate <= 1 (Go's
 * scaleHeapSample). */
double fp_poisson_scale(double avg_size, uint64_t rate);

/* Natural logarithm (x > 0) and exp(-x) (x >= 0), exported for tests. */
double fp_poisson_log(double x);
double fp_poisson_one_minus_exp_neg(double x);

#endif
