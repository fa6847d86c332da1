/* Busy threads that each burn a given amount of their own CPU time, for
 * the CPU-total test at sampling rates above the kernel tick.
 * Usage: cpu_spin2 NTHREADS CPU_SECONDS REPORT_FILE
 * Thread i is named "spin-i" and runs burn_units until its own CPU clock
 * reaches CPU_SECONDS (CPU time, not wall time, so a loaded machine
 * changes how long it takes, not how much CPU it uses). The report file
 * gets each thread's CPU seconds and the process total as the kernel
 * counts them, read after the threads are joined. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "burn.h"

struct spinner {
    pthread_t thread;
    int index;
    double seconds;
    double cpu;
};

__attribute__((noinline)) static void spin_until_cpu(double seconds)
{
    while (thread_cpu_seconds() < seconds)
        burn_units(1);
}

static void *spinner_main(void *p)
{
    struct spinner *s = p;
    char name[16];

    snprintf(name, sizeof(name), "spin-%d", s->index);
    pthread_setname_np(pthread_self(), name);
    spin_until_cpu(s->seconds);
    s->cpu = thread_cpu_seconds();
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: cpu_spin2 NTHREADS CPU_SECONDS REPORT\n");
        return 2;
    }
    int n = atoi(argv[1]);
    struct spinner *s = calloc((size_t)(n > 0 ? n : 1), sizeof(*s));
    for (int i = 0; i < n; i++) {
        s[i].index = i;
        s[i].seconds = atof(argv[2]);
        pthread_create(&s[i].thread, NULL, spinner_main, &s[i]);
    }
    for (int i = 0; i < n; i++)
        pthread_join(s[i].thread, NULL);
    FILE *f = fopen(argv[3], "w");
    if (!f) {
        perror(argv[3]);
        return 1;
    }
    for (int i = 0; i < n; i++)
        fprintf(f, "spin-%d %.3f\n", i, s[i].cpu);
    fprintf(f, "process %.3f\n", process_cpu_seconds());
    fclose(f);
    free(s);
    return 0;
}
