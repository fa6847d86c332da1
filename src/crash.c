/*
 * Crash snapshots. Owns the previous dispositions of the fatal signals
 * (saved at init, read by the handler), each thread's alternate signal
 * stack (TLS) and the crash state: which thread writes the one crash
 * snapshot (`writer_tid`, claimed by CAS) and whether it is done.
 *
 * flightprof's handler stays installed for good; what the program sets
 * with sigaction or signal becomes the program's view (`view`), which those
 * calls read and write and the handler obeys. When the program has a
 * handler, that handler runs, as the kernel would have run it (mask,
 * SA_RESETHAND, SA_SIGINFO): a program that uses SIGSEGV for its own ends
 * (a GC's write barrier, a JIT's null checks) gets no snapshot. When the
 * signal is to take its default action, the snapshot is written first.
 * That covers programs whose crash handler ends by re-raising with
 * SIG_DFL or by calling abort().
 *
 * After the snapshot the default disposition is installed and the signal
 * delivered again, the way breakpad does it: a fault raised by the
 * hardware simply happens again when the handler returns (the faulting
 * instruction re-executes); a signal that was sent (abort, kill, raise) or
 * a trap (whose PC is past the int3) is re-sent to the thread, blocked
 * until the handler returns. Either way the core dump and the exit status
 * are as they would have been.
 *
 * Signal context: on_fatal_signal and what it calls; fp_crash_sigaction
 * (the program may call sigaction from a handler).
 */
#include "crash.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "interpose_signal.h"
#include "log.h"
#include "recorder.h"
#include "snapfmt.h"
#include "threads.h"
#include "unwind.h"

/* Room for the program's own fatal-signal handlers too, which run on it;
 * pages never touched cost nothing. */
#define ALT_STACK_BYTES (256u << 10)
#define WAIT_FOR_WRITER_MS 10000

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
#define N_FATAL (sizeof(fatal_signals) / sizeof(fatal_signals[0]))

/* Each program view is an immutable record from this pool, published by
 * one atomic store, so the handler and a concurrent sigaction (even one
 * called from a handler) never see half a record. A program that changes
 * a fatal signal's disposition more often than the pool allows gets it
 * for real from then on, and loses crash snapshots for that signal. */
#define VIEW_POOL 256
static struct sigaction view_pool[VIEW_POOL];
static _Atomic unsigned view_pool_used;
static const struct sigaction default_action = {.sa_handler = SIG_DFL};

/* The program's view of each fatal signal: what it last set, or what was
 * there before flightprof. NULL when flightprof's handler is not
 * installed (crash snapshots off, or handed back): the wrappers pass
 * through. */
static _Atomic(const struct sigaction *) view[N_FATAL];

/* The dispositions found at load: the program's first view. Written by
 * fp_crash_init before the handlers are installed. */
static struct sigaction previous[N_FATAL];
static bool crash_on;
static enum fp_unwind_mode unwind_mode;

static _Atomic int writer_tid;
static _Atomic bool snapshot_done;

static __thread void *own_alt_stack __attribute__((tls_model("initial-exec")));

/* ---- alternate stacks ------------------------------------------------------ */

/* A stack overflow cannot run a handler on the overflowed stack; threads
 * that already have an alternate stack (the program's) keep it. */
static void give_alt_stack(void)
{
    stack_t old, ss;

    if (own_alt_stack || sigaltstack(NULL, &old) != 0 || !(old.ss_flags & SS_DISABLE))
        return;
    fp_self()->busy++; /* not the program's mmap */
    void *mem = mmap(NULL, ALT_STACK_BYTES, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    fp_self()->busy--;
    if (mem == MAP_FAILED)
        return;
    ss = (stack_t){.ss_sp = mem, .ss_size = ALT_STACK_BYTES, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) {
        munmap(mem, ALT_STACK_BYTES);
        return;
    }
    own_alt_stack = mem;
}

void fp_crash_thread_start(void)
{
    if (crash_on)
        give_alt_stack();
}

void fp_crash_thread_exit(void)
{
    stack_t ss = {.ss_flags = SS_DISABLE};

    if (own_alt_stack && sigaltstack(&ss, NULL) == 0) {
        fp_self()->busy++;
        munmap(own_alt_stack, ALT_STACK_BYTES);
        fp_self()->busy--;
    }
    own_alt_stack = NULL;
}

/* ---- the handler ---------------------------------------------------------------- */

static char *hex_u64(uint64_t v, char *buf)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[16];
    size_t n = 0;

    do {
        tmp[n++] = digits[v & 15];
        v >>= 4;
    } while (v);
    buf[0] = '0';
    buf[1] = 'x';
    for (size_t i = 0; i < n; i++)
        buf[2 + i] = tmp[n - 1 - i];
    buf[2 + n] = '\0';
    return buf;
}

/* Signals with a meaningful si_addr: faults raised by the hardware. */
static bool is_fault(int sig, const siginfo_t *si)
{
    return si->si_code > 0 && sig != SIGABRT && sig != SIGTRAP;
}

static void write_crash_snapshot(int sig, siginfo_t *si, void *uc, int tid)
{
    uintptr_t pcs[FP_SNAP_STACK_MAX];
    char path[PATH_MAX], addr[20];
    bool fault_known = is_fault(sig, si);
    uint64_t fault = fault_known ? (uint64_t)(uintptr_t)si->si_addr : 0;
    const char *name = sigabbrev_np(sig);

    fp_recorder_fatal_signal(sig, si->si_code, (const void *)(uintptr_t)fault);
    int depth = fp_unwind_from_signal(uc, unwind_mode, pcs, FP_SNAP_STACK_MAX);
    if (fp_recorder_write_crash(sig, si->si_code, fault, tid, pcs, depth, path) != 0) {
        fp_log_from_handler("SIG", name ? name : "?", ": cannot write the crash snapshot: ",
                            strerrorname_np(errno) ? strerrorname_np(errno) : "error", NULL);
        return;
    }
    fp_log_info_from_handler("SIG", name ? name : "?", fault_known ? " at " : "",
                        fault_known ? hex_u64(fault, addr) : "", ": snapshot written to ", path,
                        NULL);
}

/* Another thread crashed first and is writing the snapshot: dying now
 * would cut it short. */
static void wait_for_writer(void)
{
    struct timespec ms = {0, 1000000};

    for (int i = 0; i < WAIT_FOR_WRITER_MS && !atomic_load(&snapshot_done); i++)
        syscall(SYS_nanosleep, &ms, NULL); /* not our interposed nanosleep */
}

static size_t index_of(int sig)
{
    size_t i = 0;

    while (i < N_FATAL - 1 && fatal_signals[i] != sig)
        i++;
    return i;
}

static bool is_function(const struct sigaction *act)
{
    return act->sa_handler != SIG_DFL && act->sa_handler != SIG_IGN;
}

/* Runs the program's handler for `sig` as the kernel would have: its mask
 * (and sig, unless SA_NODEFER) blocked; SA_RESETHAND resetting the view
 * first. The mask in `uc` is restored by sigreturn when the handler
 * returns. */
static void run_program_handler(size_t i, const struct sigaction *act, int sig, siginfo_t *si,
                                void *uc)
{
    sigset_t mask = act->sa_mask;

    if (!(act->sa_flags & SA_NODEFER))
        sigaddset(&mask, sig);
    if (act->sa_flags & SA_RESETHAND)
        atomic_store(&view[i], &default_action);
    /* The raw call: the wrappers' lazy symbol lookup is not for handlers. */
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, &mask, NULL, _NSIG / 8);
    if (act->sa_flags & SA_SIGINFO)
        act->sa_sigaction(sig, si, uc);
    else
        act->sa_handler(sig);
}

/* The signal takes its default action: the snapshot (once per process),
 * then the default disposition, handed back for good, and the signal
 * again. */
static void take_crash(size_t i, int sig, siginfo_t *si, void *uc)
{
    int saved_errno = errno;
    int tid = fp_self_tid();
    int expected = 0;

    fp_self()->busy++;
    if (atomic_compare_exchange_strong(&writer_tid, &expected, tid)) {
        write_crash_snapshot(sig, si, uc, tid);
        atomic_store(&snapshot_done, true);
    } else if (expected != tid) {
        wait_for_writer();
    } /* else: the snapshot writer itself crashed; do not try again */
    fp_self()->busy--;
    atomic_store(&view[i], NULL);
    fp_real_sigaction(sig, &default_action, NULL);
    if (!is_fault(sig, si))
        syscall(SYS_tgkill, getpid(), tid, sig);
    errno = saved_errno;
}

static void on_fatal_signal(int sig, siginfo_t *si, void *uc)
{
    size_t i = index_of(sig);
    const struct sigaction *act = atomic_load(&view[i]);

    if (act && is_function(act)) {
        run_program_handler(i, act, sig, si, uc);
        return;
    }
    /* Ignored: a sent signal is dropped; a fault cannot be ignored (the
     * kernel kills), so it is a crash like one at the default. */
    if (act && act->sa_handler == SIG_IGN && !is_fault(sig, si))
        return;
    take_crash(i, sig, si, uc);
}

/* A record for `act` from the pool, or NULL when it is used up. */
static const struct sigaction *new_view(const struct sigaction *act)
{
    unsigned n = atomic_fetch_add(&view_pool_used, 1);

    if (n >= VIEW_POOL)
        return NULL;
    view_pool[n] = *act;
    return &view_pool[n];
}

bool fp_crash_sigaction(int sig, const struct sigaction *act, struct sigaction *old, int *rc)
{
    size_t i = index_of(sig);
    const struct sigaction *cur;

    if (fatal_signals[i] != sig || !(cur = atomic_load(&view[i])))
        return false;
    if (act) {
        const struct sigaction *next = new_view(act);
        if (!next) {
            /* Out of records: the program gets the signal for real. */
            atomic_store(&view[i], NULL);
            *rc = fp_real_sigaction(sig, act, NULL);
            if (*rc == 0 && old)
                *old = *cur;
            return true;
        }
        atomic_store(&view[i], next);
    }
    if (old)
        *old = *cur;
    *rc = 0;
    return true;
}

void fp_crash_init(enum fp_unwind_mode unwind)
{
    struct sigaction sa;

    unwind_mode = unwind;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_fatal_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < N_FATAL; i++) {
        if (fp_real_sigaction(fatal_signals[i], NULL, &previous[i]) != 0 ||
            fp_real_sigaction(fatal_signals[i], &sa, NULL) != 0) {
            fp_log("cannot catch signal %d for crash snapshots: %s", fatal_signals[i],
                   strerror(errno));
            continue;
        }
        atomic_store(&view[i], &previous[i]);
    }
    crash_on = true;
    give_alt_stack();
}
