/* Lock contention of known size. A holder thread takes a mutex and keeps it
 * HOLD_MS (5 ms) while a waiter, told the mutex is held, locks it in
 * contended_lock(): ROUNDS (100) times. Then the same with a rwlock held
 * for writing and a reader waiting in contended_rdlock(): 20 times.
 * Every wait is a real contention however slow the machine: the holder
 * lets go only once the waiter sleeps (its /proc state is S, and the
 * waiter does nothing between rounds but spin), so a waiter delayed past
 * the 5 ms cannot find the lock already free.
 * The waiter measures its own waits; the report file gets
 * "mutex_ns N" and "rwlock_ns N".
 * Usage: mutex_contend REPORT_FILE */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define HOLD_MS 5
#define ROUNDS 100
#define RW_ROUNDS 20

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rwlock = PTHREAD_RWLOCK_INITIALIZER;
static atomic_int held, done, waiter_tid;
static uint64_t mutex_ns, rwlock_ns;

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Whether thread TID of this process is asleep (state S): the waiter's
 * only sleep is inside the lock. */
static int sleeping(int tid)
{
    char path[64], buf[256];
    snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *paren = strrchr(buf, ')'); /* the name may hold spaces */
    return paren && paren[1] == ' ' && paren[2] == 'S';
}

/* Keeps the lock HOLD_MS, then until the waiter is blocked on it. */
static void hold(void)
{
    struct timespec ts = {0, HOLD_MS * 1000000L};
    struct timespec poll = {0, 100000L};

    nanosleep(&ts, NULL);
    while (!sleeping(atomic_load(&waiter_tid)))
        nanosleep(&poll, NULL);
}

static void wait_for(atomic_int *flag, int value)
{
    while (atomic_load(flag) != value)
        sched_yield();
}

static void *holder(void *arg)
{
    (void)arg;
    for (int i = 1; i <= ROUNDS; i++) {
        pthread_mutex_lock(&mutex);
        atomic_store(&held, i);
        hold();
        pthread_mutex_unlock(&mutex);
        wait_for(&done, i);
    }
    for (int i = ROUNDS + 1; i <= ROUNDS + RW_ROUNDS; i++) {
        pthread_rwlock_wrlock(&rwlock);
        atomic_store(&held, i);
        hold();
        pthread_rwlock_unlock(&rwlock);
        wait_for(&done, i);
    }
    return NULL;
}

__attribute__((noinline)) void contended_lock(void)
{
    uint64_t start = now_ns();
    pthread_mutex_lock(&mutex);
    mutex_ns += now_ns() - start;
    pthread_mutex_unlock(&mutex);
}

__attribute__((noinline)) void contended_rdlock(void)
{
    uint64_t start = now_ns();
    pthread_rwlock_rdlock(&rwlock);
    rwlock_ns += now_ns() - start;
    pthread_rwlock_unlock(&rwlock);
}

int main(int argc, char **argv)
{
    pthread_t thread;

    if (argc != 2) {
        fprintf(stderr, "usage: mutex_contend REPORT_FILE\n");
        return 2;
    }
    atomic_store(&waiter_tid, (int)syscall(SYS_gettid));
    pthread_create(&thread, NULL, holder, NULL);
    for (int i = 1; i <= ROUNDS + RW_ROUNDS; i++) {
        wait_for(&held, i);
        if (i <= ROUNDS)
            contended_lock();
        else
            contended_rdlock();
        atomic_store(&done, i);
    }
    pthread_join(thread, NULL);
    FILE *f = fopen(argv[1], "w");
    if (!f)
        return 1;
    fprintf(f, "mutex_ns %llu\nrwlock_ns %llu\n", (unsigned long long)mutex_ns,
            (unsigned long long)rwlock_ns);
    return fclose(f) != 0;
}
