/* The CPU benchmark's workload: NTHREADS threads each doing a fixed
 * amount of work at the bottom of a 40-frame call chain, so every sample
 * has a deep stack to unwind.
 * Usage: bench_deep NTHREADS UNITS_PER_THREAD */
// build: -fno-omit-frame-pointer
#include <pthread.h>
#include <stdlib.h>

#include "burn.h"

#define DEPTH 40

static long units;

__attribute__((noinline)) static uint64_t descend(int depth)
{
    if (depth == 0)
        return burn_units((uint64_t)units);
    uint64_t r = descend(depth - 1);
    burn_sink = burn_sink + r; /* keeps each frame on the stack */
    return r;
}

static void *run(void *arg)
{
    (void)arg;
    descend(DEPTH);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    int n = atoi(argv[1]);
    units = atol(argv[2]);
    pthread_t *t = calloc((size_t)n, sizeof(*t));
    for (int i = 0; i < n; i++)
        pthread_create(&t[i], NULL, run, NULL);
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    return 0;
}
