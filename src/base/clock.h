/*
 * Reading clocks in nanoseconds. clock_gettime is async-signal-safe, and so
 * are these.
 */
#ifndef FLIGHTPROF_CLOCK_H
#define FLIGHTPROF_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t fp_clock_ns(clockid_t clock)
{
    struct timespec ts;

    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* CLOCK_MONOTONIC, the time base of every recorded event. */
static inline uint64_t fp_now_ns(void)
{
    return fp_clock_ns(CLOCK_MONOTONIC);
}

#endif
