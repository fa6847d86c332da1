/* Busy threads for the multi-threaded magnitude test.
 * Usage: cpu_threads NTHREADS SECONDS CPU_REPORT_FILE
 * Thread i is named "worker-i" and does (i % 2 ? 1 : 3) units per slice,
 * but all run for the same wall time, so their CPU shares follow the
 * scheduler; the report file gets each thread's own CPU seconds and the
 * process total, measured by the kernel, for the test to compare. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "burn.h"

struct worker {
    pthread_t thread;
    int index;
    double seconds;
    double cpu;
};

static double wall_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static void spin(double until)
{
    while (wall_seconds() < until)
        burn_units(1);
}

/* A "light" worker sleeps half of each 20 ms slice, a "heavy" one never
 * does: heavy threads should get about twice the CPU of light ones. */
__attribute__((noinline)) static void light_work(double until)
{
    while (wall_seconds() < until) {
        spin(wall_seconds() + 0.010);
        usleep(10000);
    }
}

static void *worker_main(void *p)
{
    struct worker *w = p;
    char name[16];
    double until = wall_seconds() + w->seconds;

    snprintf(name, sizeof(name), "%s-%d", w->index % 2 ? "light" : "heavy", w->index);
    pthread_setname_np(pthread_self(), name);
    if (w->index % 2)
        light_work(until);
    else
        spin(until);
    w->cpu = thread_cpu_seconds();
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: cpu_threads NTHREADS SECONDS REPORT\n");
        return 2;
    }
    int n = atoi(argv[1]);
    struct worker *w = calloc((size_t)n, sizeof(*w));
    for (int i = 0; i < n; i++) {
        w[i].index = i;
        w[i].seconds = atof(argv[2]);
        pthread_create(&w[i].thread, NULL, worker_main, &w[i]);
    }
    for (int i = 0; i < n; i++)
        pthread_join(w[i].thread, NULL);
    FILE *f = fopen(argv[3], "w");
    for (int i = 0; i < n; i++)
        fprintf(f, "%s-%d %.3f\n", i % 2 ? "light" : "heavy", i, w[i].cpu);
    fprintf(f, "process %.3f\n", process_cpu_seconds());
    fclose(f);
    return 0;
}
