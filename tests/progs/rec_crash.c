/* Crash test for the flight recorder: a thread named "victim" makes two
 * allocations of distinctive sizes (123457 and 7919 bytes), then dies the
 * way argv[1] says: "segv" dereferences address 0x1234, "abort" calls
 * abort(), "error" calls exit(3).
 * Usage: rec_crash segv|abort|error */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *mode = "segv";
void *volatile kept[2]; /* so that the compiler keeps the allocations */

__attribute__((noinline)) static void crash_here(void)
{
    if (strcmp(mode, "abort") == 0)
        abort();
    if (strcmp(mode, "error") == 0)
        exit(3);
    *(volatile int *)(uintptr_t)0x1234 = 1;
}

static void *victim(void *arg)
{
    pthread_setname_np(pthread_self(), "victim");
    char *a = malloc(123457);
    char *b = calloc(1, 7919);
    kept[0] = a;
    kept[1] = b;
    crash_here();
    free(a);
    free(b);
    return arg;
}

int main(int argc, char **argv)
{
    pthread_t t;

    if (argc > 1)
        mode = argv[1];
    pthread_create(&t, NULL, victim, NULL);
    pthread_join(t, NULL);
    return 0;
}
