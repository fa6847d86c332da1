/*
 * Whether the dynamic loader's write lock is taken. libunwind calls
 * dl_iterate_phdr, which takes that lock; an unwind from a signal that
 * landed while this thread was taking or releasing it (inside glibc's
 * recursive-mutex code, when the lock word and owner disagree) would wait
 * for itself forever. Callers check first and unwind another way.
 */
#ifndef FLIGHTPROF_LOADERLOCK_H
#define FLIGHTPROF_LOADERLOCK_H

#include <stdbool.h>

/* Finds the lock (see loaderlock.c). Returns 0, or -1 if it could not be
 * identified, in which case fp_loaderlock_busy() is always false. Not
 * async-signal-safe; call once before sampling. */
int fp_loaderlock_init(void);

/* True while any thread holds, takes or releases the loader's write lock.
 * Async-signal-safe: one load. */
bool fp_loaderlock_busy(void);

#endif
