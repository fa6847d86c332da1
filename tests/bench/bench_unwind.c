/* Per-sample cost of the unwinders, measured where it is paid: inside a
 * SIGPROF handler, at the bottom of a ~40-frame stack, with the same
 * per-thread CPU timer the sampler uses.
 * Usage: bench_unwind libunwind|fp SAMPLES
 * Prints: MODE median_ns p99_ns frames */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "self.h"
#include "threads.h"
#include "unwind.h"

#define DEPTH 40
#define MAX_SAMPLES 20000

static enum fp_unwind_mode mode;
static long costs[MAX_SAMPLES];
static volatile int nsamples;
static int target, frames;
static volatile unsigned long sink;

static long now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void on_sigprof(int sig, siginfo_t *info, void *uc)
{
    uintptr_t pcs[FP_DEPTH_MAX];

    (void)sig;
    (void)info;
    long t0 = now_ns();
    int n = fp_unwind_from_signal(uc, mode, pcs, FP_DEPTH_MAX);
    long t1 = now_ns();
    if (nsamples < target) {
        costs[nsamples++] = t1 - t0;
        frames = n;
    }
}

__attribute__((noinline)) static void descend(int depth)
{
    if (depth == 0) {
        while (nsamples < target)
            sink = sink * 6364136223846793005ul + 1;
        return;
    }
    descend(depth - 1);
    sink++;
}

static int compare_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;

    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    struct sigaction sa;
    struct sigevent sev;
    struct itimerspec its = {{0, 1000000}, {0, 1000000}};
    timer_t timer;

    if (argc != 3)
        return 2;
    mode = strcmp(argv[1], "fp") == 0 ? FP_UNWIND_FRAME_POINTERS : FP_UNWIND_LIBUNWIND;
    target = atoi(argv[2]) < MAX_SAMPLES ? atoi(argv[2]) : MAX_SAMPLES;
    fp_threads_register_self(0, NULL);
    if (mode == FP_UNWIND_LIBUNWIND && fp_unwind_init() != 0)
        return 1;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigprof;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGPROF, &sa, NULL);
    memset(&sev, 0, sizeof(sev));
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = SIGPROF;
    sev._sigev_un._tid = fp_self_tid();
    timer_create(CLOCK_THREAD_CPUTIME_ID, &sev, &timer);
    timer_settime(timer, 0, &its, NULL);
    descend(DEPTH);
    timer_delete(timer);
    qsort(costs, (size_t)target, sizeof(long), compare_long);
    printf("%s %ld %ld %d\n", argv[1], costs[target / 2], costs[target * 99 / 100], frames);
    return 0;
}
