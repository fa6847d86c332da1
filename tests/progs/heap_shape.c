/* A heap of known shape at exit: keep_small holds 30 MiB in 1 KiB blocks,
 * keep_large 10 MiB in 64 KiB blocks, and churn allocates and frees
 * 200 MiB in 4 KiB blocks (nothing of it in use at exit).
 * Usage: heap_shape [ROUNDS] — the shape is repeated ROUNDS times in one
 * process (the in-use totals then grow ROUNDS times). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MiB (1024 * 1024)

static void **kept;
static size_t nkept;

static void *must_malloc(size_t size)
{
    void *p = malloc(size);

    if (!p) {
        fprintf(stderr, "heap_shape: out of memory\n");
        exit(1);
    }
    memset(p, 1, 16);
    return p;
}

__attribute__((noinline)) void keep_small(void)
{
    for (size_t i = 0; i < 30 * MiB / 1024; i++)
        kept[nkept++] = must_malloc(1024);
}

__attribute__((noinline)) void keep_large(void)
{
    for (size_t i = 0; i < 10 * MiB / 65536; i++)
        kept[nkept++] = must_malloc(65536);
}

__attribute__((noinline)) void churn(void)
{
    void *window[16] = {0};

    for (size_t i = 0; i < 200 * MiB / 4096; i++) {
        free(window[i % 16]);
        window[i % 16] = must_malloc(4096);
    }
    for (size_t i = 0; i < 16; i++)
        free(window[i]);
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 1;

    kept = calloc((size_t)rounds * (30 * MiB / 1024 + 10 * MiB / 65536), sizeof(*kept));
    if (!kept)
        return 1;
    for (int r = 0; r < rounds; r++) {
        keep_small();
        churn();
        keep_large();
    }
    return 0;
}
