// Stress for the sampler at its highest rate: the loader, the C++
// exception unwinder and thread creation all running while samples land.
// Usage: cpu_stress dlopen|throw|threads SECONDS [PLUGIN_SO]
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdexcept>

#include "burn.h"

static double wall_seconds()
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long dlopen_loop(double until, const char *plugin)
{
    long n = 0;
    while (wall_seconds() < until) {
        void *h = dlopen(plugin, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            fprintf(stderr, "dlopen: %s\n", dlerror());
            exit(1);
        }
        dlclose(h);
        n++;
    }
    return n;
}

__attribute__((noinline)) static void thrower(int depth)
{
    if (depth == 0)
        throw std::runtime_error("stress");
    thrower(depth - 1);
    burn_sink = burn_sink + 1; // keep the recursion from becoming a loop
}

static long throw_loop(double until)
{
    long n = 0;
    while (wall_seconds() < until) {
        try {
            thrower(20);
        } catch (const std::exception &) {
            n++;
        }
    }
    return n;
}

static void *short_thread(void *)
{
    burn_units(1);
    return nullptr;
}

static long thread_loop(double until)
{
    long n = 0;
    while (wall_seconds() < until) {
        pthread_t t[4];
        for (auto &th : t)
            if (pthread_create(&th, nullptr, short_thread, nullptr) != 0)
                exit(1);
        for (auto &th : t)
            pthread_join(th, nullptr);
        n += 4;
    }
    return n;
}

struct job {
    const char *mode;
    double until;
    const char *plugin;
    long done;
};

static void *run_job(void *p)
{
    job *j = static_cast<job *>(p);
    if (strcmp(j->mode, "dlopen") == 0)
        j->done = dlopen_loop(j->until, j->plugin);
    else if (strcmp(j->mode, "throw") == 0)
        j->done = throw_loop(j->until);
    else
        j->done = thread_loop(j->until);
    return nullptr;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: cpu_stress dlopen|throw|threads SECONDS [PLUGIN_SO]\n");
        return 2;
    }
    // Two threads at it, so one can hold a lock while the other samples.
    job jobs[2];
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) {
        jobs[i] = job{argv[1], wall_seconds() + atof(argv[2]), argc > 3 ? argv[3] : nullptr, 0};
        pthread_create(&threads[i], nullptr, run_job, &jobs[i]);
    }
    for (auto &t : threads)
        pthread_join(t, nullptr);
    printf("%s: %ld iterations\n", argv[1], jobs[0].done + jobs[1].done);
    return jobs[0].done > 0 && jobs[1].done > 0 ? 0 : 1;
}
