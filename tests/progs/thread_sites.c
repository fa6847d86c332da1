/*
 * Threads created from two call sites, for t_threadcreate: spawn_three()
 * starts 3 threads, spawn_five() 5, each joined before the next; prints
 * "done".
 */
#include <pthread.h>
#include <stdio.h>

static void *noop(void *arg)
{
    return arg;
}

static void spawn(int n)
{
    for (int i = 0; i < n; i++) {
        pthread_t t;
        pthread_create(&t, NULL, noop, NULL);
        pthread_join(t, NULL);
    }
}

__attribute__((noinline)) static void spawn_three(void)
{
    spawn(3);
}

__attribute__((noinline)) static void spawn_five(void)
{
    spawn(5);
}

int main(void)
{
    spawn_three();
    spawn_five();
    printf("done\n");
    return 0;
}
