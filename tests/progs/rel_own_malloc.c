/* A program with its own allocator, defined in the executable (as programs
 * that link jemalloc or tcmalloc statically do): every allocation of the
 * process, flightprof's and the libraries' included, comes from its bump
 * arena, and a free, realloc or size query of a block that is not the
 * arena's aborts. flightprof must allocate and free from this allocator
 * too, never from libc's behind it.
 * Usage: rel_own_malloc SECONDS — burns CPU for that long in burn_here,
 * allocating as it goes, then prints "ok" and the arena's use. */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ARENA_BYTES (256u << 20)
#define ALIGN 16u

/* Zero until used: calloc needs no memset. */
static _Alignas(64) unsigned char arena[ARENA_BYTES];
static _Atomic size_t used;

static size_t *header(void *p)
{
    return (size_t *)p - 2;
}

static int ours(const void *p)
{
    return (const unsigned char *)p >= arena && (const unsigned char *)p < arena + ARENA_BYTES;
}

static void check_ours(const void *p, const char *what)
{
    if (!ours(p)) {
        static const char msg[] = "rel_own_malloc: a block from another allocator reached ";
        write(2, msg, sizeof(msg) - 1);
        write(2, what, strlen(what));
        write(2, "\n", 1);
        abort();
    }
}

static void *bump(size_t size, size_t align)
{
    size_t need = (size + 2 * sizeof(size_t) + align - 1 + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    size_t at = atomic_fetch_add(&used, need);

    if (at + need > ARENA_BYTES) {
        errno = ENOMEM;
        return NULL;
    }
    uintptr_t p = ((uintptr_t)arena + at + 2 * sizeof(size_t) + align - 1) & ~(uintptr_t)(align - 1);
    header((void *)p)[0] = size;
    return (void *)p;
}

void *malloc(size_t size)
{
    return bump(size, ALIGN);
}

void free(void *p)
{
    if (p)
        check_ours(p, "free");
}

void *calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    return bump(n * size, ALIGN);
}

void *realloc(void *p, size_t size)
{
    if (!p)
        return malloc(size);
    check_ours(p, "realloc");
    void *q = malloc(size);
    if (q) {
        size_t old = header(p)[0];
        memcpy(q, p, old < size ? old : size);
    }
    return q;
}

void *reallocarray(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, n * size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
    void *p = bump(size, align < ALIGN ? ALIGN : align);

    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

void *aligned_alloc(size_t align, size_t size)
{
    return bump(size, align < ALIGN ? ALIGN : align);
}

void *memalign(size_t align, size_t size)
{
    return bump(size, align < ALIGN ? ALIGN : align);
}

void *valloc(size_t size)
{
    return bump(size, 4096);
}

void *pvalloc(size_t size)
{
    return bump((size + 4095) & ~(size_t)4095, 4096);
}

size_t malloc_usable_size(void *p)
{
    if (!p)
        return 0;
    check_ours(p, "malloc_usable_size");
    return header(p)[0];
}

__attribute__((noinline)) static unsigned long burn_here(double seconds)
{
    struct timespec t0, t;
    unsigned long x = 1;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        for (int i = 0; i < 100000; i++)
            x = x * 6364136223846793005ul + 1442695040888963407ul;
        char *s = strdup("allocated as it goes");
        free(s);
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 < seconds);
    return x;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 0.5;

    if (burn_here(seconds) == 42)
        puts("unlikely");
    puts("ok");
    return 0;
}
