/*
 * A busy program for the endpoint's profile tests: two threads burn CPU in
 * burn_cpu(), one allocates 64 KiB blocks in alloc_retained() (keeping the
 * last 64), two take turns holding a mutex in contend_lock(). The main
 * thread waits in nanosleep, treating EINTR as fatal, until the file
 * argv[1] exists; then every thread stops and it exits 7.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "burn.h"

#define KEPT 64

static atomic_bool stop;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void pause_ns(long ns)
{
    struct timespec ts = {0, ns};

    if (nanosleep(&ts, NULL) != 0) {
        perror("nanosleep"); /* EINTR: someone signalled this thread */
        exit(3);
    }
}

__attribute__((noinline)) static void burn_cpu(void)
{
    burn_units(1);
}

static void *burner(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop))
        burn_cpu();
    return NULL;
}

__attribute__((noinline)) static void *alloc_retained(size_t size)
{
    char *p = malloc(size);

    if (p)
        p[0] = 1;
    return p;
}

static void *allocator(void *arg)
{
    void *kept[KEPT] = {0};

    (void)arg;
    for (unsigned i = 0; !atomic_load(&stop); i++) {
        free(kept[i % KEPT]);
        kept[i % KEPT] = alloc_retained(64 * 1024);
        pause_ns(1000000);
    }
    for (int i = 0; i < KEPT; i++)
        free(kept[i]);
    return NULL;
}

__attribute__((noinline)) static void contend_lock(void)
{
    pthread_mutex_lock(&lock);
    pause_ns(2000000);
    pthread_mutex_unlock(&lock);
}

static void *locker(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop))
        contend_lock();
    return NULL;
}

int main(int argc, char **argv)
{
    void *(*const bodies[])(void *) = {burner, burner, allocator, locker, locker};
    pthread_t threads[5];

    if (argc != 2) {
        fprintf(stderr, "usage: http_busy STOPFILE\n");
        return 2;
    }
    for (int i = 0; i < 5; i++)
        pthread_create(&threads[i], NULL, bodies[i], NULL);
    while (access(argv[1], F_OK) != 0)
        pause_ns(50000000);
    atomic_store(&stop, true);
    for (int i = 0; i < 5; i++)
        pthread_join(threads[i], NULL);
    printf("done\n");
    return 7;
}
