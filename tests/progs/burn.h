/* CPU burners shared by the CPU-profile test programs. The work is a data
 * dependency chain the compiler cannot fold away, so a given number of
 * units costs a stable amount of CPU. */
#ifndef BURN_H
#define BURN_H

#include <stdint.h>
#include <time.h>

static volatile uint64_t burn_sink;

static inline uint64_t burn_units(uint64_t units)
{
    uint64_t x = burn_sink | 1;

    for (uint64_t i = 0; i < units * 100000; i++)
        x = x * 6364136223846793005ull + 1442695040888963407ull;
    burn_sink = x;
    return x;
}

static inline double thread_cpu_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline double process_cpu_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
