/*
 * Stack walking for samples: libunwind (loaded privately, so its _Unwind_*
 * symbols never replace the program's) or a validated frame-pointer walk.
 *
 * A stack is an array of code addresses, innermost first. From a signal,
 * pcs[0] is the exact interrupted PC and the rest are return addresses;
 * from fp_unwind_here, all are return addresses. fp_unwind_to_locations
 * turns either into pprof location addresses (return address - 1, so a
 * call is attributed to the line of the call, not the next one).
 */
#ifndef FLIGHTPROF_UNWIND_H
#define FLIGHTPROF_UNWIND_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

/*
 * Loads libunwind with RTLD_LOCAL and takes one unwind step so that its lazy
 * initialisation (which can take a lock) happens here, not in a handler.
 * Returns 0, or -1 if libunwind is unavailable (frame pointers are then
 * used for every mode). Runs once; later calls return the first result.
 * Not async-signal-safe; call before sampling.
 */
int fp_unwind_init(void);

/*
 * Allocates, for the calling thread, the thread-local storage libunwind
 * uses. libunwind is loaded with dlopen, so the loader allocates its TLS
 * block (with malloc) on a thread's first access: inside a signal handler
 * that may be while fork() or the program holds malloc's locks. Call on
 * every thread before its sampling timer is armed; a no-op before
 * fp_unwind_init. Not async-signal-safe.
 */
void fp_unwind_thread_prepare(void);

/*
 * Unwinds the context interrupted by a signal (`ucontext` is the third
 * argument of an SA_SIGINFO handler) into pcs[0..max). Returns the depth.
 * While the thread is inside the dynamic loader (fp_self()->in_loader) the
 * libunwind mode falls back to frame pointers, counted in
 * fp_unwind_stats(). Async-signal-safe.
 */
int fp_unwind_from_signal(const void *ucontext, enum fp_unwind_mode mode, uintptr_t *pcs, int max);

/*
 * Unwinds the calling thread from its caller's caller: pcs[0] is the
 * return address into whoever called the function that called
 * fp_unwind_here (that is, `skip` = 0 drops fp_unwind_here and its
 * immediate caller, typically an interposed malloc). Async-signal-safe.
 */
int fp_unwind_here(enum fp_unwind_mode mode, int skip, uintptr_t *pcs, int max);

/*
 * Captures the calling thread's stack into pcs[0..max), starting at the
 * return address `caller` (the interposed function's own return address),
 * so that flightprof's frames never show, however the compiler inlined
 * them. Returns the depth. Call it from the interposer's call chain.
 */
int fp_unwind_capture(enum fp_unwind_mode mode, const void *caller, uintptr_t *pcs, int max);

/* Whether the byte at `addr` can be read, found out without faulting
 * (process_vm_readv on our own pid). Async-signal-safe. */
bool fp_unwind_readable(uintptr_t addr);

/* True if `pc` is in the dynamic loader's code, which may hold the
 * loader's locks (then only frame pointers are safe). Async-signal-safe. */
bool fp_unwind_pc_in_loader(uintptr_t pc);

/* True if `pc` is in the code of the libunwind flightprof loaded: what it
 * maps or unmaps is flightprof's, not the program's. False before
 * fp_unwind_init. Async-signal-safe. */
bool fp_unwind_pc_in_libunwind(uintptr_t pc);

/*
 * Converts a stack to location addresses in addrs[0..returned): every
 * return address (all entries but pcs[0] when `leaf_exact`) becomes
 * address - 1, and return addresses into this library (the trampoline
 * that starts every thread) are left out, so that flightprof's frames
 * never show in the program's stacks. An exact leaf in the library (a
 * CPU sample in a wrapper) stays: that time is flightprof's, and says so.
 */
int fp_unwind_to_locations(uint64_t *addrs, const uintptr_t *pcs, int n, bool leaf_exact);

struct fp_unwind_stats {
    uint64_t loader_fallbacks; /* samples unwound by frame pointers because
                                  the thread was in the loader */
    uint64_t libunwind_failures; /* libunwind could not find the
                                    interrupted frame; fp used instead */
};
void fp_unwind_stats(struct fp_unwind_stats *out);

#endif
