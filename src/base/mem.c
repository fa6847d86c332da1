/*
 * flightprof's own heap memory (mem.h). Owns the allocator in use: the
 * library's, set at load by the libc wall (libc.c), or the writer
 * module's, handed over by its host; else, in the CLI and the tests (or
 * in the library before its constructor ran), the global definitions,
 * looked up by name once. Never bound by name, so that nothing here
 * calls flightprof's own exported malloc.
 *
 * Signal context: none.
 */
#include "mem.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

static const struct fp_mem_allocator *_Atomic in_use;
static struct fp_mem_allocator global;
static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void find_global(void)
{
    global.alloc = (void *(*)(size_t))dlsym(RTLD_DEFAULT, "malloc");
    global.alloc_zeroed = (void *(*)(size_t, size_t))dlsym(RTLD_DEFAULT, "calloc");
    global.resize = (void *(*)(void *, size_t))dlsym(RTLD_DEFAULT, "realloc");
    global.release = (void (*)(void *))dlsym(RTLD_DEFAULT, "free");
}

const struct fp_mem_allocator *fp_mem_allocator(void)
{
    const struct fp_mem_allocator *a = atomic_load_explicit(&in_use, memory_order_acquire);
    const struct fp_mem_allocator *none = NULL;

    if (a)
        return a;
    pthread_once(&global_once, find_global);
    atomic_compare_exchange_strong(&in_use, &none, &global);
    return atomic_load_explicit(&in_use, memory_order_acquire);
}

void fp_mem_use(const struct fp_mem_allocator *a)
{
    atomic_store_explicit(&in_use, a, memory_order_release);
}

void *fp_mem_alloc(size_t size)
{
    return fp_mem_allocator()->alloc(size);
}

void *fp_mem_calloc(size_t n, size_t size)
{
    return fp_mem_allocator()->alloc_zeroed(n, size);
}

void *fp_mem_realloc(void *p, size_t size)
{
    return fp_mem_allocator()->resize(p, size);
}

void fp_mem_free(void *p)
{
    fp_mem_allocator()->release(p);
}

char *fp_mem_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = fp_mem_alloc(n);

    if (copy)
        memcpy(copy, s, n);
    return copy;
}
