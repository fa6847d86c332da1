/*
 * Threads parked in every wait the endpoint tells apart, for
 * t_http_metrics: one in pthread_cond_wait, one in sem_wait, one in
 * pthread_barrier_wait, one in pthread_mutex_lock on a mutex main holds,
 * one in pthread_join of the condition waiter, one in poll on a pipe that
 * never becomes readable; main sleeps in nanosleep (EINTR is fatal: the
 * endpoint must interrupt nothing) until the file argv[1] exists, then
 * prints "done" and exits 7, the parked threads with it.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t cond_lock = PTHREAD_MUTEX_INITIALIZER, held = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static sem_t sem;
static pthread_barrier_t barrier;
static pthread_t cond_waiter;
static int pipe_fds[2];

static void *in_cond(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&cond_lock);
    for (;;)
        pthread_cond_wait(&cond, &cond_lock);
    return NULL;
}

static void *in_sem(void *arg)
{
    (void)arg;
    for (;;)
        sem_wait(&sem);
    return NULL;
}

static void *in_barrier(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&barrier); /* of two: main never arrives */
    return NULL;
}

static void *in_lock(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&held);
    return NULL;
}

static void *in_join(void *arg)
{
    (void)arg;
    pthread_join(cond_waiter, NULL);
    return NULL;
}

static void *in_poll(void *arg)
{
    struct pollfd p = {.fd = pipe_fds[0], .events = POLLIN};

    (void)arg;
    for (;;)
        poll(&p, 1, -1);
    return NULL;
}

int main(int argc, char **argv)
{
    pthread_t t;
    struct timespec tick = {0, 20 * 1000000};

    if (argc < 2 || pipe(pipe_fds) != 0)
        return 2;
    sem_init(&sem, 0, 0);
    pthread_barrier_init(&barrier, NULL, 2);
    pthread_mutex_lock(&held);
    pthread_create(&cond_waiter, NULL, in_cond, NULL);
    pthread_create(&t, NULL, in_sem, NULL);
    pthread_create(&t, NULL, in_barrier, NULL);
    pthread_create(&t, NULL, in_lock, NULL);
    pthread_create(&t, NULL, in_join, NULL);
    pthread_create(&t, NULL, in_poll, NULL);
    while (access(argv[1], F_OK) != 0)
        if (nanosleep(&tick, NULL) != 0) {
            perror("nanosleep");
            return 3;
        }
    printf("done\n");
    fflush(stdout);
    _exit(7);
}
