/* Allocation-heavy benchmark: THREADS threads (default 2) each make PAIRS
 * (default 2000000) malloc/free pairs of 16..1040 bytes, keeping a small
 * window of live blocks so frees are not always of the newest block.
 * Usage: malloc_bench [PAIRS [THREADS]]
 * Prints nothing; the exit status is 0 on success. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW 64

static long pairs = 2000000;

/* xorshift: the same size sequence in every run, cheap next to malloc. */
static uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

__attribute__((noinline)) static void *allocate(size_t size)
{
    char *p = malloc(size);

    if (!p) {
        fprintf(stderr, "malloc_bench: out of memory\n");
        exit(1);
    }
    p[0] = (char)size; /* touch it, as a real program would */
    return p;
}

static void *worker(void *arg)
{
    uint32_t rng = 2463534242u + (uint32_t)(uintptr_t)arg;
    void *live[WINDOW] = {0};

    for (long i = 0; i < pairs; i++) {
        uint32_t r = next_random(&rng);
        size_t slot = r % WINDOW;
        free(live[slot]);
        live[slot] = allocate(16 + (r >> 8) % 1025);
    }
    for (size_t i = 0; i < WINDOW; i++)
        free(live[i]);
    return NULL;
}

int main(int argc, char **argv)
{
    int threads = 2;

    if (argc > 1)
        pairs = atol(argv[1]);
    if (argc > 2)
        threads = atoi(argv[2]);
    if (pairs <= 0 || threads <= 0 || threads > 256) {
        fprintf(stderr, "usage: malloc_bench [PAIRS [THREADS]]\n");
        return 2;
    }
    pthread_t tids[256];
    for (int i = 0; i < threads; i++)
        if (pthread_create(&tids[i], NULL, worker, (void *)(uintptr_t)i) != 0) {
            fprintf(stderr, "malloc_bench: pthread_create failed\n");
            return 1;
        }
    for (int i = 0; i < threads; i++)
        pthread_join(tids[i], NULL);
    return 0;
}
