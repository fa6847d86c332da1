/* A little of everything the flight recorder sees, for the convert tests:
 * named threads, a region around a sleep, mutex contention (~10 ms),
 * allocations of distinctive sizes, a log line with characters JSON must
 * escape, and some CPU burning in conv_burn(). Then it takes a snapshot to
 * argv[1] through the API (looked up at run time, so the program also runs
 * without flightprof), or, with "crash", dies of SIGSEGV in conv_crash()
 * instead (the recorder's crash snapshot goes where FLIGHTPROF_SNAPSHOT says).
 * Usage: conv_mix SNAPSHOT_PATH [crash] */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "burn.h"

static pthread_mutex_t contended = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t holding;

/* The API, when the library is loaded. */
static void *api(const char *name)
{
    return dlsym(RTLD_DEFAULT, name);
}

static void annotate_log(const char *category, const char *message)
{
    void (*fn)(const char *, const char *) = (void (*)(const char *, const char *))api("flightprof_log");
    if (fn)
        fn(category, message);
}

static void region(const char *name)
{
    void (*begin)(const char *) = (void (*)(const char *))api("flightprof_region_begin");
    void (*end)(void) = (void (*)(void))api("flightprof_region_end");
    if (name && begin)
        begin(name);
    else if (!name && end)
        end();
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void *sleeper(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "sleeper");
    region("phase-sleep");
    sleep_ms(20);
    region(NULL);
    return NULL;
}

static void *holder(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "holder");
    pthread_mutex_lock(&contended);
    pthread_barrier_wait(&holding);
    sleep_ms(10);
    pthread_mutex_unlock(&contended);
    return NULL;
}

static void *waiter(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "waiter");
    pthread_barrier_wait(&holding);
    pthread_mutex_lock(&contended);
    pthread_mutex_unlock(&contended);
    return NULL;
}

__attribute__((noinline)) static void *conv_allocate(void)
{
    void *volatile big = malloc(777777);
    void *volatile keep = calloc(3, 4321);
    for (int i = 0; i < 100; i++) {
        void *volatile p = malloc(12345);
        free(p);
    }
    free(big);
    return keep;
}

static void *allocator(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "allocator");
    annotate_log("conv", "quote \" backslash \\ newline \n tab \t ctrl \x01 utf8 \xc3\xa9 bad \xff end");
    return conv_allocate();
}

__attribute__((noinline)) void conv_burn(double seconds)
{
    double until = thread_cpu_seconds() + seconds;
    while (thread_cpu_seconds() < until)
        burn_units(1);
}

__attribute__((noinline)) void conv_crash(volatile int *bad)
{
    *bad = 42;
}

static void run(void *(*fn)(void *), pthread_t *t)
{
    if (pthread_create(t, NULL, fn, NULL) != 0) {
        perror("pthread_create");
        exit(1);
    }
}

int main(int argc, char **argv)
{
    pthread_t threads[4];
    void *kept;
    if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "crash") != 0)) {
        fprintf(stderr, "usage: conv_mix SNAPSHOT_PATH [crash]\n");
        return 2;
    }
    pthread_barrier_init(&holding, NULL, 2);
    run(sleeper, &threads[0]);
    run(holder, &threads[1]);
    run(waiter, &threads[2]);
    run(allocator, &threads[3]);
    conv_burn(0.3);
    for (int i = 0; i < 4; i++)
        pthread_join(threads[i], i == 3 ? &kept : NULL);
    free(kept);
    if (argc == 3)
        conv_crash((volatile int *)(uintptr_t)0x10);

    int (*snapshot)(const char *) = (int (*)(const char *))api("flightprof_snapshot");
    if (snapshot && snapshot(argv[1]) != 0) {
        perror("flightprof_snapshot");
        return 1;
    }
    return 0;
}
