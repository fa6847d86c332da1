/*
 * Waits of every kind the block profile covers, each in a function of its
 * own that times itself, for t_block_profile: wait_cond (5 condition
 * waits), wait_sem (5 sem_waits), wait_barrier (3 barrier waits),
 * join_worker (a join), wait_lock (2 mutex waits), each of tens to
 * hundreds of ms; and what it must leave out: sleeper (nanosleep) and
 * poller (poll). Then short_waits: two threads hand a semaphore back and
 * forth PINGS times, each timing its own sem_wait (microseconds each).
 * Prints "NAME_ns N" for each timed function, then "done". Any nanosleep
 * cut short by a signal is fatal (exit 3): the profile must interrupt
 * nothing.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define PINGS 100000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER, held = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int cond_rounds;
static sem_t sem, ping, pong, go_lock;
static pthread_barrier_t barrier;
enum { COND, SEM, BARRIER, JOIN, LOCK, SHORT, TIMED };
static const char *const timed_names[TIMED] = {"cond", "sem", "barrier", "join", "lock", "short"};
static _Atomic uint64_t timed_ns[TIMED];

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, ms % 1000 * 1000000};

    if (nanosleep(&ts, NULL) != 0) {
        perror("nanosleep"); /* EINTR: someone signalled this thread */
        exit(3);
    }
}

__attribute__((noinline)) static void wait_cond(void)
{
    uint64_t t0 = now_ns();

    pthread_mutex_lock(&lock);
    for (int seen = 0; seen < 5;) {
        while (cond_rounds == seen)
            pthread_cond_wait(&cond, &lock);
        seen = cond_rounds;
    }
    pthread_mutex_unlock(&lock);
    timed_ns[COND] += now_ns() - t0;
}

__attribute__((noinline)) static void wait_sem(void)
{
    uint64_t t0 = now_ns();

    for (int i = 0; i < 5; i++)
        while (sem_wait(&sem) != 0 && errno == EINTR)
            ;
    timed_ns[SEM] += now_ns() - t0;
}

__attribute__((noinline)) static void wait_barrier(void)
{
    uint64_t t0 = now_ns();

    for (int i = 0; i < 3; i++)
        pthread_barrier_wait(&barrier);
    timed_ns[BARRIER] += now_ns() - t0;
}

__attribute__((noinline)) static void wait_lock(void)
{
    uint64_t t0 = now_ns();

    pthread_mutex_lock(&held);
    pthread_mutex_unlock(&held);
    timed_ns[LOCK] += now_ns() - t0;
}

__attribute__((noinline)) static void sleeper(void)
{
    pause_ms(300);
}

__attribute__((noinline)) static void poller(void)
{
    poll(NULL, 0, 300);
}

static void *cond_thread(void *arg)
{
    (void)arg;
    wait_cond();
    return NULL;
}

static void *sem_thread(void *arg)
{
    (void)arg;
    wait_sem();
    return NULL;
}

static void *barrier_thread(void *arg)
{
    (void)arg;
    wait_barrier();
    return NULL;
}

static void *lock_thread(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2; i++) {
        while (sem_wait(&go_lock) != 0 && errno == EINTR) /* main holds `held` now */
            ;
        wait_lock();
    }
    return NULL;
}

static void *idle_thread(void *arg)
{
    (void)arg;
    sleeper();
    poller();
    return NULL;
}

static void *joined_thread(void *arg)
{
    (void)arg;
    pause_ms(1000); /* outlives the rounds below by ~400 ms */
    return NULL;
}

__attribute__((noinline)) static void join_worker(pthread_t t)
{
    uint64_t t0 = now_ns();

    pthread_join(t, NULL);
    timed_ns[JOIN] += now_ns() - t0;
}

/* One side of the ping-pong: posts to `give`, waits on `take`. */
__attribute__((noinline)) static void short_waits(sem_t *give, sem_t *take, bool first)
{
    uint64_t waited = 0;

    for (int i = 0; i < PINGS; i++) {
        if (first)
            sem_post(give);
        uint64_t t0 = now_ns();
        while (sem_wait(take) != 0 && errno == EINTR)
            ;
        waited += now_ns() - t0;
        if (!first)
            sem_post(give);
    }
    atomic_fetch_add(&timed_ns[SHORT], waited);
}

static void *pong_thread(void *arg)
{
    (void)arg;
    short_waits(&pong, &ping, false); /* waits for pings, answers pongs */
    return NULL;
}

int main(void)
{
    pthread_t t[7];

    sem_init(&sem, 0, 0);
    sem_init(&ping, 0, 0);
    sem_init(&pong, 0, 0);
    sem_init(&go_lock, 0, 0);
    pthread_barrier_init(&barrier, NULL, 2);
    pthread_create(&t[0], NULL, cond_thread, NULL);
    pthread_create(&t[1], NULL, sem_thread, NULL);
    pthread_create(&t[2], NULL, barrier_thread, NULL);
    pthread_create(&t[3], NULL, lock_thread, NULL);
    pthread_create(&t[4], NULL, idle_thread, NULL);
    pthread_create(&t[5], NULL, joined_thread, NULL);
    for (int i = 0; i < 5; i++) {
        pause_ms(100);
        pthread_mutex_lock(&lock);
        cond_rounds++;
        pthread_cond_signal(&cond);
        pthread_mutex_unlock(&lock);
        sem_post(&sem);
        if (i < 3)
            pthread_barrier_wait(&barrier); /* the barrier thread has waited since the last */
        if (i < 2) {
            pthread_mutex_lock(&held); /* lock_thread waits ~50 ms for it */
            sem_post(&go_lock);
            pause_ms(50);
            pthread_mutex_unlock(&held);
        }
    }
    join_worker(t[5]);
    for (int i = 0; i < 5; i++)
        pthread_join(t[i], NULL);
    pthread_create(&t[6], NULL, pong_thread, NULL);
    short_waits(&ping, &pong, true); /* pings, waits for pongs */
    pthread_join(t[6], NULL);
    for (int i = 0; i < TIMED; i++)
        printf("%s_ns %llu\n", timed_names[i], (unsigned long long)atomic_load(&timed_ns[i]));
    printf("done\n");
    return 0;
}
