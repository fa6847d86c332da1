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

/* Declares `real_NAME`, a pointer with NAME's type, and resolves it on
 * first use. */
#define FP_REAL(name) fp_real_##name
#define FP_RESOLVE(name) \
    (FP_REAL(name) ? FP_REAL(name) : (FP_REAL(name) = (__typeof__(FP_REAL(name)))fp_interpose_resolve(#name)))

/* Marks functions the library exports: the public API and the symbols it
 * interposes. Everything else is hidden. */
#define FP_EXPORT __attribute__((visibility("default")))

#endif
