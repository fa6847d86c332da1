/*
 * Whether the dynamic loader is busy: its write lock or its load lock is
 * taken. libunwind calls dl_iterate_phdr, which takes the write lock; an
 * unwind from a signal that landed while this thread was taking or
 * releasing it (inside glibc's recursive-mutex code, when the lock word
 * and owner disagree) would wait for itself forever. And while any thread
 * is inside dlopen or dlclose (the load lock), objects are being mapped
 * and unmapped under libunwind's feet: a sample taken then crashed inside
 * libunwind in the dlopen/dlclose stress test. Callers check first and
 * unwind another way.
 */
#ifndef FLIGHTPROF_LOADERLOCK_H
#define FLIGHTPROF_LOADERLOCK_H

#include <stdbool.h>

/* Finds the lock (see loaderlock.c). Returns 0, or -1 if it could not be
 * identified, in which case fp_loaderlock_busy() is always false. Not
 * async-signal-safe; call once before sampling. */
int fp_loaderlock_init(void);

/* True while any thread holds, takes or releases either loader lock.
 * Async-signal-safe: two loads. */
bool fp_loaderlock_busy(void);

#endif
