/*
 * Finding the next definition of a symbol flightprof interposes. One helper
 * for every wrapper, instead of a dlsym per call site.
 */
#ifndef FLIGHTPROF_INTERPOSE_H
#define FLIGHTPROF_INTERPOSE_H

/*
 * Returns the definition of `name` that the program would have called
 * without flightprof (dlsym(RTLD_NEXT)); logs and returns NULL if there is
 * none. Not async-signal-safe; call it from a constructor or lazily from a
 * wrapper, never from a handler. Allocator wrappers must be ready for
 * dlsym itself to allocate while this runs.
 */
void *fp_interpose_resolve(const char *name);

/* FP_REAL(name) names the pointer a wrapper keeps for the next `name`
 * (declare it `static __typeof__(name) *FP_REAL(name);`); FP_RESOLVE(name)
 * evaluates to it, resolving it on first use. Threads racing to resolve
 * store the same value. */
#define FP_REAL(name) fp_next_##name
#define FP_RESOLVE(name)                                                              \
    ({                                                                                \
        __typeof__(FP_REAL(name)) fp_fn_ = __atomic_load_n(&FP_REAL(name), __ATOMIC_RELAXED); \
        if (!fp_fn_) {                                                                \
            fp_fn_ = (__typeof__(FP_REAL(name)))fp_interpose_resolve(#name);          \
            __atomic_store_n(&FP_REAL(name), fp_fn_, __ATOMIC_RELAXED);               \
        }                                                                             \
        fp_fn_;                                                                       \
    })

/* Marks functions the library exports: the public API and the symbols it
 * interposes. Everything else is hidden. */
#define FP_EXPORT __attribute__((visibility("default")))

#endif
