/*
 * The calling thread's own state (struct fp_self): its cached tid, its
 * registry slot, its stack bounds, and the scopes it is in (flightprof's
 * internal scope, the dynamic loader, the unwinder). Kept in initial-exec
 * TLS so that signal handlers and allocator wrappers reach it without
 * calling into the dynamic loader. The lowest layer: it depends on nothing.
 */
#ifndef FLIGHTPROF_SELF_H
#define FLIGHTPROF_SELF_H

#include <stdbool.h>
#include <stdint.h>

struct fp_thread;

/* Per-thread state, owned by the thread itself. */
struct fp_self {
    int tid;                    /* 0 until first use; reset in a fork child */
    struct fp_thread *slot;     /* registry slot (threads.h), NULL if the table was full */
    /* Nonzero while this thread is inside the dynamic loader or an
     * unwinder that takes the loader's lock (dlopen, dlclose,
     * dl_iterate_phdr, exception unwinding): an unwind from a signal
     * landing there could deadlock, so the sampler falls back. */
    int in_loader;
    /* Nonzero while flightprof runs libunwind on this thread: the
     * wrappers in interpose_fd.c serve libunwind's calls then. */
    int in_unwinder;
    /* The depth of the internal scope (fp_internal_enter). */
    int internal;
    /* The thread's stack, for validating frame-pointer walks; 0/0 when
     * unknown. */
    uintptr_t stack_lo, stack_hi;
};

extern __thread struct fp_self fp_self_tls __attribute__((tls_model("initial-exec")));

/* The calling thread's tid, cached. Async-signal-safe. */
int fp_self_tid(void);

static inline struct fp_self *fp_self(void)
{
    return &fp_self_tls;
}

/*
 * The internal scope. While a thread runs flightprof's own work that calls
 * into the program's allocator, or into code that calls interposed
 * functions (libunwind, dlsym, the dynamic loader, the writer module), the
 * wrappers forward without feeding any collector. Scopes nest. What libc.h
 * covers needs none: it never reaches a wrapper. Async-signal-safe.
 */
static inline void fp_internal_enter(void)
{
    fp_self_tls.internal++;
}

static inline void fp_internal_leave(void)
{
    fp_self_tls.internal--;
}

static inline bool fp_internal_active(void)
{
    return fp_self_tls.internal != 0;
}

#endif
