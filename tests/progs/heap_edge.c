/* Allocator semantics under interposition, checked by the program itself
 * (it must pass with and without flightprof), and a heap of known shape:
 *   grow_block     keeps one block grown by realloc from 16 B to 1 MiB
 *   shrink_block   keeps one block shrunk by realloc from 1 MiB to 100 B
 *   alloc_for_other_thread  allocates 2000 x 8 KiB, all freed by another
 *                  thread (nothing in use at exit)
 * Usage: heap_edge [HEAP_OUT ALLOCS_OUT] — with arguments, also writes the
 * heap and allocs profiles through the API (found with dlsym, so the
 * program runs without flightprof too). Prints "ok" and exits 0, or names
 * the first failed check and exits 1. */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CROSS_BLOCKS 2000
#define CROSS_SIZE 8192

/* volatile: the compiler must neither warn about nor fold the overflows */
static volatile size_t half_max = SIZE_MAX / 2, nearly_max = SIZE_MAX - 4096;
static void *kept[2];
static void *cross[CROSS_BLOCKS];

static void check(int ok, const char *what)
{
    if (!ok) {
        printf("FAIL %s\n", what);
        exit(1);
    }
}

static void check_overflow(void)
{
    errno = 0;
    check(calloc(half_max, 4) == NULL && errno == ENOMEM, "calloc overflow gives NULL, ENOMEM");
    errno = 0;
    check(reallocarray(NULL, half_max, 4) == NULL && errno == ENOMEM,
          "reallocarray overflow gives NULL, ENOMEM");
    char *p = calloc(1000, 10);
    check(p != NULL, "calloc");
    for (int i = 0; i < 10000; i++)
        check(p[i] == 0, "calloc zeroes");
    free(p);
}

static void check_errno_kept(void)
{
    errno = EINTR;
    void *p = malloc(100);
    check(errno == EINTR, "malloc keeps errno");
    p = realloc(p, 5000);
    check(errno == EINTR, "realloc keeps errno");
    free(p);
    check(errno == EINTR, "free keeps errno");
    p = calloc(3, 7);
    free(p);
    check(errno == EINTR, "calloc keeps errno");
}

static int aligned(const void *p, size_t align)
{
    return p && ((uintptr_t)p & (align - 1)) == 0;
}

static void check_alignment(void)
{
    size_t page = (size_t)getpagesize();
    void *p = NULL;

    check(posix_memalign(&p, 4096, 100) == 0 && aligned(p, 4096), "posix_memalign aligns");
    free(p);
    check(posix_memalign(&p, 3, 100) == EINVAL, "posix_memalign rejects alignment 3");
    p = aligned_alloc(256, 512);
    check(aligned(p, 256), "aligned_alloc aligns");
    free(p);
    p = memalign(64, 100);
    check(aligned(p, 64), "memalign aligns");
    free(p);
    p = valloc(100);
    check(aligned(p, page), "valloc aligns to a page");
    free(p);
    p = pvalloc(100);
    check(aligned(p, page) && malloc_usable_size(p) >= page, "pvalloc rounds to a page");
    free(p);
}

static void check_usable_size(void)
{
    void *p = malloc(100);

    check(malloc_usable_size(p) >= 100, "malloc_usable_size");
    check(malloc_usable_size(NULL) == 0, "malloc_usable_size(NULL)");
    free(p);
}

__attribute__((noinline)) void grow_block(void)
{
    unsigned char *p = malloc(16);

    memset(p, 0x5a, 16);
    for (size_t size = 32; size <= (1u << 20); size *= 2) {
        p = realloc(p, size);
        check(p != NULL && p[0] == 0x5a && p[size / 2 - 1] == 0x5a, "realloc growth keeps data");
        memset(p, 0x5a, size);
    }
    kept[0] = p;
}

__attribute__((noinline)) void shrink_block(void)
{
    unsigned char *p = malloc(1u << 20);

    memset(p, 0x33, 1u << 20);
    p = realloc(p, 100);
    check(p != NULL && p[99] == 0x33, "realloc shrink keeps data");
    errno = 0;
    check(realloc(p, nearly_max) == NULL && errno == ENOMEM, "huge realloc fails with ENOMEM");
    check(p[0] == 0x33 && p[99] == 0x33, "failed realloc leaves the block");
    kept[1] = p;
}

__attribute__((noinline)) void alloc_for_other_thread(void)
{
    for (int i = 0; i < CROSS_BLOCKS; i++) {
        cross[i] = malloc(CROSS_SIZE);
        check(cross[i] != NULL, "malloc");
        memset(cross[i], i, 64);
    }
}

static void *free_all(void *arg)
{
    (void)arg;
    for (int i = 0; i < CROSS_BLOCKS; i++)
        free(cross[i]);
    return NULL;
}

static void write_profiles(const char *heap_out, const char *allocs_out)
{
    int (*heap_write)(const char *) = (int (*)(const char *))dlsym(RTLD_DEFAULT, "flightprof_heap_write");
    int (*allocs_write)(const char *) =
        (int (*)(const char *))dlsym(RTLD_DEFAULT, "flightprof_allocs_write");

    check(heap_write && allocs_write, "the API is there");
    check(heap_write(heap_out) == 0, "flightprof_heap_write");
    check(allocs_write(allocs_out) == 0, "flightprof_allocs_write");
}

int main(int argc, char **argv)
{
    pthread_t thread;

    check_overflow();
    check_errno_kept();
    check_alignment();
    check_usable_size();
    grow_block();
    shrink_block();
    alloc_for_other_thread();
    check(pthread_create(&thread, NULL, free_all, NULL) == 0, "pthread_create");
    pthread_join(thread, NULL);
    if (argc == 3)
        write_profiles(argv[1], argv[2]);
    printf("ok\n");
    return 0;
}
