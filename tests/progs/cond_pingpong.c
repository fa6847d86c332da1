/*
 * A condition-variable ping-pong for the block profile's benchmark: two
 * threads hand a turn back and forth argv[1] times (default 200000), each
 * waiting on the condition variable for the other; prints "done".
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turned = PTHREAD_COND_INITIALIZER;
static long turn, rounds;

static void play(long me)
{
    pthread_mutex_lock(&lock);
    while (turn < 2 * rounds) {
        while (turn % 2 != me && turn < 2 * rounds)
            pthread_cond_wait(&turned, &lock);
        if (turn < 2 * rounds) {
            turn++;
            pthread_cond_broadcast(&turned);
        }
    }
    pthread_mutex_unlock(&lock);
}

static void *other(void *arg)
{
    (void)arg;
    play(1);
    return NULL;
}

int main(int argc, char **argv)
{
    pthread_t t;

    rounds = argc > 1 ? atol(argv[1]) : 200000;
    pthread_create(&t, NULL, other, NULL);
    play(0);
    pthread_join(t, NULL);
    printf("done\n");
    return 0;
}
