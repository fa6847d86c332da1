/* The bundled demo for `make demo`: a small batch job with three named
 * worker threads doing different kinds of work for about two seconds, so
 * the profile has something to show per function and per thread. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double wall_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int compare_ints(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;

    return (x > y) - (x < y);
}

__attribute__((noinline)) static uint64_t sort_batch(unsigned *seed)
{
    int values[4096];

    for (size_t i = 0; i < 4096; i++)
        values[i] = rand_r(seed);
    qsort(values, 4096, sizeof(int), compare_ints);
    return (uint64_t)values[2048];
}

__attribute__((noinline)) static uint64_t hash_block(const unsigned char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;

    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

__attribute__((noinline)) static size_t count_words(const char *text)
{
    char copy[512], *save, *tok;
    size_t words = 0;

    strncpy(copy, text, sizeof(copy) - 1);
    copy[sizeof(copy) - 1] = '\0';
    for (tok = strtok_r(copy, " ,.", &save); tok; tok = strtok_r(NULL, " ,.", &save))
        words++;
    return words;
}

struct worker {
    const char *name;
    double seconds;
    uint64_t result;
};

static void *worker_main(void *p)
{
    static const char text[] = "the quick brown fox jumps over the lazy dog, again and again. "
                               "profilers show where the time goes, flight recorders what happened.";
    struct worker *w = p;
    unsigned seed = 42;
    unsigned char block[8192];
    double until = wall_seconds() + w->seconds;

    pthread_setname_np(pthread_self(), w->name);
    memset(block, 7, sizeof(block));
    while (wall_seconds() < until) {
        if (strcmp(w->name, "sorter") == 0)
            w->result += sort_batch(&seed);
        else if (strcmp(w->name, "hasher") == 0)
            w->result += hash_block(block, sizeof(block));
        else
            w->result += count_words(text);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    struct worker workers[] = {{"sorter", 2.0, 0}, {"hasher", 2.0, 0}, {"parser", 2.0, 0}};
    pthread_t threads[3];

    if (argc > 1)
        for (int i = 0; i < 3; i++)
            workers[i].seconds = atof(argv[1]);
    for (int i = 0; i < 3; i++)
        pthread_create(&threads[i], NULL, worker_main, &workers[i]);
    for (int i = 0; i < 3; i++)
        pthread_join(threads[i], NULL);
    fprintf(stderr, "demo: done (%llu)\n",
            (unsigned long long)(workers[0].result + workers[1].result + workers[2].result));
    return 0;
}
