/* Time and size to write a CPU profile of many distinct stacks whose
 * frames are real code addresses (spread over this program and the
 * libraries it maps: libc, libdw, libelf, zlib, ...), symbolized as
 * flightprof does at exit, against the same profile written without
 * symbolization (no mappings) as the baseline.
 * Usage: bench_pprof DIR [STACKS [DEPTH [ADDRESSES]]]
 * Prints: one line per variant, then the ratio. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "maps.h"
#include "pprof_encode.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t next_random(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* `n` random addresses inside the file-backed executable mappings. */
static uint64_t *pick_addresses(const struct fp_maps *maps, int n)
{
    uint64_t total = 0, *addrs = malloc((size_t)n * sizeof(*addrs));

    for (size_t i = 0; i < maps->n; i++)
        if (maps->v[i].path[0] == '/')
            total += maps->v[i].limit - maps->v[i].start;
    for (int k = 0; addrs && k < n; k++) {
        uint64_t at = next_random() % total;
        for (size_t i = 0; i < maps->n; i++) {
            uint64_t size = maps->v[i].limit - maps->v[i].start;
            if (maps->v[i].path[0] != '/')
                continue;
            if (at < size) {
                addrs[k] = maps->v[i].start + at;
                break;
            }
            at -= size;
        }
    }
    return addrs;
}

static struct fp_pprof *build(const uint64_t *pool, int npool, int nstacks, int depth)
{
    static const struct fp_pprof_value_type types[] = {{"samples", "count"}, {"cpu", "nanoseconds"}};
    struct fp_pprof *p = fp_pprof_new(types, 2, types[1], 10000000);
    uint64_t stack[256];

    for (int s = 0; p && s < nstacks; s++) {
        int64_t values[2] = {1 + s % 7, (1 + s % 7) * 10000000};
        struct fp_pprof_label labels[2] = {
            {.key = "thread", .str = s % 2 ? "worker" : "main"},
            {.key = "tid", .num = 1000 + s % 2, .num_unit = "id"},
        };
        for (int d = 0; d < depth; d++)
            stack[d] = pool[next_random() % (uint64_t)npool];
        if (fp_pprof_add_sample(p, stack, depth, values, labels, 2) != 0)
            return NULL;
    }
    return p;
}

/* Builds and writes one profile; returns the milliseconds taken. */
static double run(const char *path, const struct fp_maps *maps, const uint64_t *pool, int npool,
                  int nstacks, int depth, long *size)
{
    struct stat st;
    double start = now_ms();
    struct fp_pprof *p = build(pool, npool, nstacks, depth);

    if (!p || fp_pprof_write(p, maps, path) != 0 || stat(path, &st) != 0) {
        perror(path);
        exit(1);
    }
    fp_pprof_free(p);
    *size = (long)st.st_size;
    return now_ms() - start;
}

int main(int argc, char **argv)
{
    int nstacks = argc > 2 ? atoi(argv[2]) : 10000;
    int depth = argc > 3 ? atoi(argv[3]) : 40;
    int npool = argc > 4 ? atoi(argv[4]) : 5000;
    char plain[4096], symbolized[4096];
    struct fp_maps maps, none = {0};
    long plain_size, sym_size;

    if (argc < 2 || nstacks <= 0 || depth <= 0 || depth > 256 || npool <= 0) {
        fprintf(stderr, "usage: bench_pprof DIR [STACKS [DEPTH [ADDRESSES]]]\n");
        return 2;
    }
    snprintf(plain, sizeof(plain), "%s/bench-plain.pb.gz", argv[1]);
    snprintf(symbolized, sizeof(symbolized), "%s/bench-symbolized.pb.gz", argv[1]);
    if (fp_maps_read_self(&maps) != 0)
        return 1;
    uint64_t *pool = pick_addresses(&maps, npool);
    uint64_t seed = rng_state;
    double plain_ms = run(plain, &none, pool, npool, nstacks, depth, &plain_size);
    rng_state = seed; /* the same stacks */
    double sym_ms = run(symbolized, NULL, pool, npool, nstacks, depth, &sym_size);
    printf("pprof write, %d stacks x %d frames from %d addresses:\n", nstacks, depth, npool);
    printf("  unsymbolized (baseline): %8.1f ms %9ld bytes\n", plain_ms, plain_size);
    printf("  symbolized (flightprof): %8.1f ms %9ld bytes  (target < 1000 ms)\n", sym_ms,
           sym_size);
    printf("  ratio: %.1fx time, %.1fx size\n", sym_ms / plain_ms, (double)sym_size / plain_size);
    free(pool);
    fp_maps_free(&maps);
    return 0;
}
