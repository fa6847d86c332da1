/* Two threads contend for a mutex the holder keeps ~5 ms, ROUNDS times;
 * then a snapshot goes to argv[1] through the API.
 * Usage: rec_contend SNAPSHOT [ROUNDS] */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t both_ready;
static int rounds = 6;

static void hold_5ms(void)
{
    struct timespec ts = {0, 5000000};

    nanosleep(&ts, NULL);
}

static void *holder(void *arg)
{
    pthread_setname_np(pthread_self(), "holder");
    for (int i = 0; i < rounds; i++) {
        pthread_mutex_lock(&lock);
        pthread_barrier_wait(&both_ready); /* the waiter now blocks on the lock */
        hold_5ms();
        pthread_mutex_unlock(&lock);
        pthread_barrier_wait(&both_ready);
    }
    return arg;
}

static void *waiter(void *arg)
{
    struct timespec settle = {0, 200000};

    pthread_setname_np(pthread_self(), "waiter");
    for (int i = 0; i < rounds; i++) {
        pthread_barrier_wait(&both_ready);
        nanosleep(&settle, NULL);
        pthread_mutex_lock(&lock);
        pthread_mutex_unlock(&lock);
        pthread_barrier_wait(&both_ready);
    }
    return arg;
}

int main(int argc, char **argv)
{
    int (*snapshot)(const char *) = (int (*)(const char *))dlsym(RTLD_DEFAULT, "flightprof_snapshot");
    pthread_t a, b;

    if (argc < 2 || !snapshot)
        return 2;
    if (argc > 2)
        rounds = atoi(argv[2]);
    pthread_barrier_init(&both_ready, NULL, 2);
    pthread_create(&a, NULL, holder, NULL);
    pthread_create(&b, NULL, waiter, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    return snapshot(argv[1]) == 0 ? 0 : 1;
}
