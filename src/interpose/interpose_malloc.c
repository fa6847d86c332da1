/*
 * The allocator wrappers: malloc, calloc, realloc, reallocarray, free,
 * posix_memalign, aligned_alloc, memalign, valloc, pvalloc,
 * malloc_usable_size (C++ new and delete reach these), and mmap/munmap.
 * Each forwards to the next definition (glibc's, or whichever allocator
 * the program brought) and feeds the flight recorder and the heap profile.
 *
 * Bootstrap: dlsym, which finds the next definitions, allocates. While a
 * definition is not resolved yet and the calling thread is inside
 * flightprof's internal scope (set by fp_interpose_resolve), allocations
 * come from a static buffer that free ignores and realloc copies out of.
 * Everything is resolved by a constructor that runs before the rest of the
 * library, or by the first allocation, whichever comes first.
 *
 * fp_hooks_feeds(FP_HOOK_ALLOC) (hooks.h) says what to feed.
 * Each wrapper decides before it forwards, so that an allocation the heap
 * profile does not sample costs a countdown subtraction and a free of an
 * unsampled block one filter load, both then a tail call. Allocations
 * made in the internal scope feed nothing, but frees always check
 * for sampled blocks so that no tracked address can be reused stale.
 *
 * Signal context: none (the wrappers run wherever the program allocates;
 * they take the heap profile's lock only for sampled blocks).
 */
#include <errno.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "heapprof.h"
#include "hooks.h"
#include "interpose.h"
#include "recorder.h"
#include "self.h"
#include "unwind.h"

#define HOOK_HEAP FP_FEED_PROFILE
#define HOOK_RECORDER FP_FEED_RECORDER
#define BOOTSTRAP_SIZE (256u << 10)
#define BOOTSTRAP_ALIGN 16u
#define RETURN_ADDRESS() __builtin_return_address(0)
#define NEXT(name) __atomic_load_n(&FP_REAL(name), __ATOMIC_RELAXED)

static __typeof__(free) *FP_REAL(free);
static __typeof__(malloc) *FP_REAL(malloc);
static __typeof__(calloc) *FP_REAL(calloc);
static __typeof__(realloc) *FP_REAL(realloc);
static __typeof__(posix_memalign) *FP_REAL(posix_memalign);
static __typeof__(aligned_alloc) *FP_REAL(aligned_alloc);
static __typeof__(memalign) *FP_REAL(memalign);
static __typeof__(valloc) *FP_REAL(valloc);
static __typeof__(pvalloc) *FP_REAL(pvalloc);
static __typeof__(malloc_usable_size) *FP_REAL(malloc_usable_size);
static __typeof__(mmap) *FP_REAL(mmap);
static __typeof__(munmap) *FP_REAL(munmap);

/* ---- bootstrap -------------------------------------------------------- */

/* Each bootstrap block is preceded by its size. Never reused: calloc's
 * zeroes are the buffer's. Owned by no one; bump-allocated atomically. */
static _Alignas(64) unsigned char bootstrap[BOOTSTRAP_SIZE];
static _Atomic size_t bootstrap_used;

static bool is_bootstrap(const void *p)
{
    return (const unsigned char *)p >= bootstrap && (const unsigned char *)p < bootstrap + BOOTSTRAP_SIZE;
}

static size_t bootstrap_size(const void *p)
{
    size_t size;

    memcpy(&size, (const unsigned char *)p - sizeof(size), sizeof(size));
    return size;
}

static void *bootstrap_alloc(size_t size, size_t align)
{
    if (align < BOOTSTRAP_ALIGN)
        align = BOOTSTRAP_ALIGN;
    if (size > BOOTSTRAP_SIZE || align > BOOTSTRAP_SIZE / 4)
        goto nomem;
    size_t need = size + align + sizeof(size_t);
    size_t start = atomic_fetch_add(&bootstrap_used, need);
    if (start + need > BOOTSTRAP_SIZE)
        goto nomem;
    uintptr_t base = (uintptr_t)&bootstrap[start] + sizeof(size_t);
    unsigned char *p = (unsigned char *)((base + align - 1) & ~(uintptr_t)(align - 1));
    memcpy(p - sizeof(size), &size, sizeof(size));
    return p;
nomem:
    errno = ENOMEM;
    return NULL;
}

/* Resolves every next definition, free and malloc_usable_size first: once
 * any block comes from the real allocator, they exist (realloc_copying
 * needs both). Returns false if one is missing (no allocator behind us:
 * everything stays on the bootstrap). */
static bool resolve_all(void)
{
    bool ok = FP_RESOLVE(free) && FP_RESOLVE(malloc_usable_size) && FP_RESOLVE(malloc) &&
              FP_RESOLVE(calloc) && FP_RESOLVE(realloc);

    /* The aligned variants are optional in other allocators; a missing one
     * is reported by fp_interpose_resolve and fails only its own calls. */
    FP_RESOLVE(posix_memalign);
    FP_RESOLVE(aligned_alloc);
    FP_RESOLVE(memalign);
    FP_RESOLVE(valloc);
    FP_RESOLVE(pvalloc);
    return ok;
}

/* True if the wrapper must serve the bootstrap buffer: `next` is not
 * resolved and this thread is inside flightprof (most likely inside the
 * dlsym resolving it). Otherwise resolves everything now. */
static inline bool bootstrapping(void *next)
{
    if (__builtin_expect(next != NULL, 1))
        return false;
    if (fp_internal_active())
        return true;
    return !resolve_all();
}

__attribute__((constructor(101))) static void resolve_at_load(void)
{
    resolve_all();
}

/* ---- feeding the consumers -------------------------------------------- */

/*
 * What a call must feed is decided before it forwards, so that the common
 * case (nothing) ends in a tail call to the next definition: HOOK_RECORDER
 * if the recorder is on, HOOK_HEAP if the heap profile samples this
 * allocation (its countdown ran out) or the block being freed may be a
 * sampled one. The countdown also counts flightprof's own allocations; one
 * that would have been sampled leaves the countdown spent, so the
 * program's next allocation is sampled in its place.
 */
static inline unsigned feeds_for_alloc(size_t size)
{
    unsigned h = fp_hooks_feeds(FP_HOOK_ALLOC);

    if ((h & HOOK_HEAP) && !fp_heapprof_tick(size))
        h &= ~HOOK_HEAP;
    return h;
}

static inline unsigned feeds_for_free(const void *p)
{
    unsigned h = fp_hooks_feeds(FP_HOOK_ALLOC);

    if ((h & HOOK_HEAP) && !fp_heapprof_may_track(p))
        h &= ~HOOK_HEAP;
    return h;
}

__attribute__((noinline)) static void feed_alloc(unsigned feeds, enum fp_alloc_kind kind, void *p,
                                                 size_t size, const void *caller)
{
    if (!p || fp_internal_active())
        return;
    if (feeds & HOOK_RECORDER)
        fp_recorder_alloc(kind, p, size, caller);
    if (feeds & HOOK_HEAP)
        fp_heapprof_sample(p, size, caller);
}

/* After an allocation wrapper got `p` from the next definition. */
#define ALLOCATED(feeds, kind, p, size)                                          \
    do {                                                                         \
        if (__builtin_expect((feeds) != 0, 0))                                   \
            feed_alloc(feeds, kind, p, size, RETURN_ADDRESS());                  \
    } while (0)

/* ---- the wrappers ------------------------------------------------------- */

/* The slow halves of the hot wrappers are functions of their own so that
 * the quiet path needs no stack frame. */
__attribute__((noinline)) static void *malloc_fed(size_t size, unsigned feeds, const void *caller)
{
    if (bootstrapping(NEXT(malloc)))
        return bootstrap_alloc(size, 0);
    void *p = NEXT(malloc)(size);
    if (feeds)
        feed_alloc(feeds, FP_ALLOC_MALLOC, p, size, caller);
    return p;
}

FP_EXPORT void *malloc(size_t size)
{
    __typeof__(FP_REAL(malloc)) next = NEXT(malloc);
    unsigned feeds = feeds_for_alloc(size);

    if (__builtin_expect(next && !feeds, 1))
        return next(size);
    return malloc_fed(size, feeds, RETURN_ADDRESS());
}

FP_EXPORT void *calloc(size_t nmemb, size_t size)
{
    size_t total;
    bool overflow = __builtin_mul_overflow(nmemb, size, &total);
    unsigned feeds = feeds_for_alloc(overflow ? 0 : total);

    if (bootstrapping(NEXT(calloc))) {
        if (overflow) {
            errno = ENOMEM;
            return NULL;
        }
        return bootstrap_alloc(total, 0);
    }
    void *p = NEXT(calloc)(nmemb, size);
    ALLOCATED(feeds, FP_ALLOC_CALLOC, p, total);
    return p;
}

/* Before `p` goes back to the allocator. */
__attribute__((noinline)) static void free_fed(void *p, unsigned feeds, const void *caller)
{
    if (!p || bootstrapping(NEXT(free)))
        return;
    if ((feeds & HOOK_RECORDER) && !fp_internal_active())
        fp_recorder_free(p, caller);
    if (feeds & HOOK_HEAP)
        fp_heapprof_forget(p);
    NEXT(free)(p);
}

FP_EXPORT void free(void *p)
{
    if (is_bootstrap(p))
        return;
    __typeof__(FP_REAL(free)) next = NEXT(free);
    unsigned feeds = feeds_for_free(p);

    if (__builtin_expect(next && !feeds, 1))
        return next(p);
    free_fed(p, feeds, RETURN_ADDRESS());
}

/* A bootstrap block, or any block before realloc is resolved, moves to a
 * fresh block (bootstrap or real) of `size` bytes. */
static void *realloc_copying(void *p, size_t size)
{
    void *q = bootstrapping(NEXT(malloc)) ? bootstrap_alloc(size, 0) : NEXT(malloc)(size);

    if (q && p) {
        size_t old = is_bootstrap(p) ? bootstrap_size(p) : NEXT(malloc_usable_size)(p);
        memcpy(q, p, old < size ? old : size);
        if (!is_bootstrap(p))
            NEXT(free)(p);
    }
    return q;
}

/* `old_feeds` are p's, as for free; `new_feeds` the new block's. */
__attribute__((noinline)) static void *reallocate(void *p, size_t size, unsigned old_feeds,
                                                  unsigned new_feeds, const void *caller)
{
    uint32_t token = 0;

    if ((old_feeds & HOOK_HEAP) && p)
        token = fp_heapprof_forget(p); /* before another thread can get p */
    void *q = NEXT(realloc)(p, size);
    if (!q && size) {
        if (token)
            fp_heapprof_restore(p, token); /* failed: p is still the program's */
        return NULL;
    }
    if (fp_internal_active())
        return q;
    if ((old_feeds | new_feeds) & HOOK_RECORDER)
        fp_recorder_realloc(p, q, size, caller);
    if (q && (new_feeds & HOOK_HEAP))
        fp_heapprof_sample(q, size, caller);
    return q;
}

/* realloc on behalf of the wrapper called from `caller`. */
static inline void *realloc_from(void *p, size_t size, const void *caller)
{
    if (is_bootstrap(p))
        return realloc_copying(p, size);
    __typeof__(FP_REAL(realloc)) next = NEXT(realloc);
    unsigned old_feeds = feeds_for_free(p), new_feeds = feeds_for_alloc(size);

    if (__builtin_expect(next && !(old_feeds | new_feeds), 1))
        return next(p, size);
    if (bootstrapping(next))
        return realloc_copying(p, size);
    return reallocate(p, size, old_feeds, new_feeds, caller);
}

FP_EXPORT void *realloc(void *p, size_t size)
{
    return realloc_from(p, size, RETURN_ADDRESS());
}

/* Like glibc's: realloc after an overflow check (calling realloc rather
 * than the next reallocarray also works with allocators that lack one). */
FP_EXPORT void *reallocarray(void *p, size_t nmemb, size_t size)
{
    size_t total;

    if (__builtin_mul_overflow(nmemb, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc_from(p, total, RETURN_ADDRESS());
}

FP_EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
    unsigned feeds = feeds_for_alloc(size);

    if (bootstrapping(NEXT(posix_memalign))) {
        if (align % sizeof(void *) || (align & (align - 1)))
            return EINVAL;
        return (*out = bootstrap_alloc(size, align)) ? 0 : ENOMEM;
    }
    int rc = NEXT(posix_memalign)(out, align, size);
    if (rc == 0)
        ALLOCATED(feeds, FP_ALLOC_POSIX_MEMALIGN, *out, size);
    return rc;
}

FP_EXPORT void *aligned_alloc(size_t align, size_t size)
{
    unsigned feeds = feeds_for_alloc(size);

    if (bootstrapping(NEXT(aligned_alloc)))
        return bootstrap_alloc(size, align);
    void *p = NEXT(aligned_alloc)(align, size);
    ALLOCATED(feeds, FP_ALLOC_ALIGNED_ALLOC, p, size);
    return p;
}

FP_EXPORT void *memalign(size_t align, size_t size)
{
    unsigned feeds = feeds_for_alloc(size);

    if (bootstrapping(NEXT(memalign)))
        return bootstrap_alloc(size, align);
    void *p = NEXT(memalign)(align, size);
    ALLOCATED(feeds, FP_ALLOC_MEMALIGN, p, size);
    return p;
}

FP_EXPORT void *valloc(size_t size)
{
    unsigned feeds = feeds_for_alloc(size);

    if (bootstrapping(NEXT(valloc)))
        return bootstrap_alloc(size, (size_t)getpagesize());
    void *p = NEXT(valloc)(size);
    ALLOCATED(feeds, FP_ALLOC_VALLOC, p, size);
    return p;
}

FP_EXPORT void *pvalloc(size_t size)
{
    size_t page = (size_t)getpagesize();
    unsigned feeds = feeds_for_alloc(size);

    if (bootstrapping(NEXT(pvalloc)))
        return bootstrap_alloc((size + page - 1) & ~(page - 1), page);
    void *p = NEXT(pvalloc)(size);
    ALLOCATED(feeds, FP_ALLOC_PVALLOC, p, size);
    return p;
}

FP_EXPORT size_t malloc_usable_size(void *p)
{
    if (!p)
        return 0;
    if (is_bootstrap(p))
        return bootstrap_size(p);
    return FP_RESOLVE(malloc_usable_size)(p);
}

FP_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset)
{
    void *p = FP_RESOLVE(mmap)(addr, len, prot, flags, fd, offset);
    unsigned h = fp_hooks_feeds(FP_HOOK_ALLOC);

    if (__builtin_expect(h & HOOK_RECORDER, 0) && p != MAP_FAILED && (flags & MAP_ANONYMOUS) &&
        !fp_internal_active() && !fp_unwind_pc_in_libunwind((uintptr_t)RETURN_ADDRESS()))
        fp_recorder_alloc(FP_ALLOC_MMAP, p, len, RETURN_ADDRESS());
    return p;
}

/* Programs built with _FILE_OFFSET_BITS=64 call mmap64, the same function
 * on 64-bit Linux. */
FP_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t offset)
    __attribute__((alias("mmap")));

FP_EXPORT int munmap(void *addr, size_t len)
{
    int rc = FP_RESOLVE(munmap)(addr, len);
    unsigned h = fp_hooks_feeds(FP_HOOK_ALLOC);

    if (__builtin_expect(h & HOOK_RECORDER, 0) && rc == 0 && !fp_internal_active() &&
        !fp_unwind_pc_in_libunwind((uintptr_t)RETURN_ADDRESS()))
        fp_recorder_munmap(addr, len, RETURN_ADDRESS());
    return rc;
}
