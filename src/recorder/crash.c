/*
 * Crash snapshots. Owns each thread's alternate signal stack (TLS) and the
 * crash state: which thread writes the one crash snapshot (`writer_tid`,
 * claimed by CAS) and whether it is done.
 *
 * flightprof's handler stays installed for good (FP_SIGVIEW_CHAIN); what
 * the program sets with sigaction or signal becomes the program's view
 * (sigview.h), which the handler obeys. When the program has a handler,
 * that handler runs as the kernel would have run it: its mask (plus
 * SIGPROF, so that no sample runs inside it), SA_RESETHAND, SA_SIGINFO,
 * and its stack — flightprof's alternate stack exists for flightprof's
 * own crash path, so a program handler that would have run on the
 * interrupted stack runs there (a crash handler that tests the memory of
 * the process, as Redis's does, must not find itself running on memory it
 * does not know). A program that uses SIGSEGV for its own ends (a GC's
 * write barrier, a JIT's null checks) gets no snapshot. When the signal
 * is to take its default action, the snapshot is written first.
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
 * Signal context: on_fatal_signal and what it calls.
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
#include <ucontext.h>
#include <unistd.h>

#include "libc.h"
#include "log.h"
#include "recorder.h"
#include "self.h"
#include "sigview.h"
#include "snapfmt.h"
#include "unwind.h"

/* Room for the program's own fatal-signal handlers too, which run on it;
 * pages never touched cost nothing. */
#define ALT_STACK_BYTES (256u << 10)
#define WAIT_FOR_WRITER_MS 10000

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
#define N_FATAL (sizeof(fatal_signals) / sizeof(fatal_signals[0]))

static const struct sigaction default_action = {.sa_handler = SIG_DFL};
/* Whether a crash writes a snapshot (the recorder is on); without, the
 * handler only guards the program's own handlers. Set once at init. */
static bool snapshots_on;
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
    void *mem = fp_libc_mmap(NULL, ALT_STACK_BYTES, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (mem == MAP_FAILED)
        return;
    ss = (stack_t){.ss_sp = mem, .ss_size = ALT_STACK_BYTES, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) {
        fp_libc_munmap(mem, ALT_STACK_BYTES);
        return;
    }
    own_alt_stack = mem;
}

void fp_crash_thread_start(void)
{
    if (snapshots_on)
        give_alt_stack();
}

void fp_crash_thread_exit(void)
{
    stack_t ss = {.ss_flags = SS_DISABLE};

    if (own_alt_stack && sigaltstack(&ss, NULL) == 0)
        fp_libc_munmap(own_alt_stack, ALT_STACK_BYTES);
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
                             fault_known ? hex_u64(fault, addr) : "", ": snapshot written to ",
                             path, NULL);
}

static void write_crash_snapshot_here(int sig, siginfo_t *si, void *uc)
{
    write_crash_snapshot(sig, si, uc, fp_self_tid());
}

/* Another thread crashed first and is writing the snapshot: dying now
 * would cut it short. */
static void wait_for_writer(void)
{
    struct timespec ms = {0, 1000000};

    for (int i = 0; i < WAIT_FOR_WRITER_MS && !atomic_load(&snapshot_done); i++)
        fp_libc_syscall(SYS_nanosleep, (long)&ms, 0, 0, 0, 0, 0); /* not our nanosleep */
}

static bool is_function(const struct sigaction *act)
{
    return act->sa_handler != SIG_DFL && act->sa_handler != SIG_IGN;
}

/* Calls fn(sig, si, uc) with the stack pointer at `top` (16-byte
 * aligned), returning on the current stack. The frame-pointer CFI lets
 * unwinders (the program's own backtrace() in its crash handler) walk
 * through it. */
void fp_crash_call_on_stack(uintptr_t top, void (*fn)(int, siginfo_t *, void *), int sig,
                            siginfo_t *si, void *uc);
__asm__(".text\n"
        ".p2align 4\n"
        ".type fp_crash_call_on_stack,@function\n"
        "fp_crash_call_on_stack:\n"
        "    .cfi_startproc\n"
        "    push %rbp\n"
        "    .cfi_def_cfa_offset 16\n"
        "    .cfi_offset %rbp, -16\n"
        "    mov %rsp, %rbp\n"
        "    .cfi_def_cfa_register %rbp\n"
        "    mov %rdi, %rsp\n"
        "    mov %rsi, %rax\n"
        "    mov %edx, %edi\n"
        "    mov %rcx, %rsi\n"
        "    mov %r8, %rdx\n"
        "    call *%rax\n"
        "    mov %rbp, %rsp\n"
        "    pop %rbp\n"
        "    .cfi_def_cfa %rsp, 8\n"
        "    ret\n"
        "    .cfi_endproc\n"
        ".size fp_crash_call_on_stack, .-fp_crash_call_on_stack\n");

/* Bytes below the interrupted stack pointer the kernel would have needed
 * for the signal frame and the handler's first frames (the x86-64 red
 * zone, the frame with its extended state, some margin). */
#define RED_ZONE 128
#define FRAME_NEED (64u << 10)

static bool on_stack(const stack_t *ss, uintptr_t sp)
{
    return !(ss->ss_flags & SS_DISABLE) && sp >= (uintptr_t)ss->ss_sp &&
           sp < (uintptr_t)ss->ss_sp + ss->ss_size;
}

/* Whether every page of [lo, hi) is mapped. */
static bool readable(uintptr_t lo, uintptr_t hi)
{
    for (uintptr_t a = lo; a < hi; a += 4096)
        if (!fp_unwind_readable(a))
            return false;
    return true;
}

enum stack_choice { STACK_HERE, STACK_INTERRUPTED, STACK_NONE };

/*
 * Where the kernel would have run the program's handler: on the thread's
 * alternate stack if the program asked for SA_ONSTACK and the alternate
 * stack is the program's own (we are on it now, unless the signal
 * interrupted code already on it), otherwise on the interrupted stack,
 * below its red zone. STACK_NONE: that stack has no room (a stack
 * overflow), so the kernel could not have delivered the signal at all.
 */
static enum stack_choice program_stack(const struct sigaction *act, const ucontext_t *uc,
                                       uintptr_t *top)
{
    stack_t ss;
    uintptr_t sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];

    /* Not on an alternate stack: the kernel put us on the interrupted
     * stack, where the program's handler would have run too. */
    if (sigaltstack(NULL, &ss) != 0 || !(ss.ss_flags & SS_ONSTACK))
        return STACK_HERE;
    /* The program may have replaced our alternate stack with its own. */
    bool alt_is_programs = ss.ss_sp != own_alt_stack;
    if (((act->sa_flags & SA_ONSTACK) && alt_is_programs) || on_stack(&ss, sp))
        return STACK_HERE;
    *top = (sp - RED_ZONE) & ~(uintptr_t)15;
    return readable(*top - FRAME_NEED, *top) ? STACK_INTERRUPTED : STACK_NONE;
}

/* The program's handler ran: anything else about the signal is its
 * business. SA_RESETHAND has reset the view first, as the kernel does. */
static void run_program_handler(const struct sigaction *act, int sig, siginfo_t *si, void *uc,
                                enum stack_choice where, uintptr_t top)
{
    sigset_t mask = act->sa_mask;

    if (!(act->sa_flags & SA_NODEFER))
        sigaddset(&mask, sig);
    /* No sample while the program's crash handler runs: it may be
     * inspecting its own memory, and a sample would write on its stack. */
    sigaddset(&mask, SIGPROF);
    if (act->sa_flags & SA_RESETHAND)
        fp_sigview_reset(sig);
    /* The raw call: the wrappers' lazy symbol lookup is not for handlers.
     * The mask in `uc` is restored by sigreturn when the handler returns. */
    fp_libc_syscall(SYS_rt_sigprocmask, SIG_BLOCK, (long)&mask, 0, _NSIG / 8, 0, 0);
    if (where == STACK_INTERRUPTED)
        /* sa_handler and sa_sigaction are one pointer; the extra
         * arguments are harmless to a one-argument handler, as when the
         * kernel calls it. */
        fp_crash_call_on_stack(top, act->sa_sigaction, sig, si, uc);
    else if (act->sa_flags & SA_SIGINFO)
        act->sa_sigaction(sig, si, uc);
    else
        act->sa_handler(sig);
}

/* The signal takes its default action: the snapshot (once per process),
 * then the default disposition, handed back for good, and the signal
 * again. */
static void take_crash(int sig, siginfo_t *si, void *uc)
{
    int saved_errno = errno;
    int tid = fp_self_tid();
    int expected = 0;

    fp_internal_enter();
    if (!snapshots_on) {
        /* nothing to write: the signal takes its course at once */
    } else if (atomic_compare_exchange_strong(&writer_tid, &expected, tid)) {
        uintptr_t here = (uintptr_t)__builtin_frame_address(0);
        uintptr_t own = (uintptr_t)own_alt_stack;
        /* A program's alternate stack may be too small for writing the
         * snapshot (CPython's faulthandler re-raises a stack overflow
         * from its 16 KiB one): write on ours. */
        if (own && !(here >= own && here < own + ALT_STACK_BYTES))
            fp_crash_call_on_stack(own + ALT_STACK_BYTES, write_crash_snapshot_here, sig, si, uc);
        else
            write_crash_snapshot_here(sig, si, uc);
        atomic_store(&snapshot_done, true);
    } else if (expected != tid) {
        wait_for_writer();
    } /* else: the snapshot writer itself crashed; do not try again */
    fp_internal_leave();
    fp_sigview_drop(sig, &default_action);
    if (!is_fault(sig, si))
        fp_libc_syscall(SYS_tgkill, getpid(), tid, sig, 0, 0, 0);
    errno = saved_errno;
}

static void on_fatal_signal(int sig, siginfo_t *si, void *uc)
{
    const struct sigaction *act = fp_sigview_program(sig);
    uintptr_t top = 0;

    if (act && is_function(act)) {
        enum stack_choice where = program_stack(act, uc, &top);
        if (where != STACK_NONE) {
            run_program_handler(act, sig, si, uc, where, top);
            return;
        }
    }
    /* Ignored: a sent signal is dropped; a fault cannot be ignored (the
     * kernel kills), so it is a crash like one at the default. */
    if (act && act->sa_handler == SIG_IGN && !is_fault(sig, si))
        return;
    take_crash(sig, si, uc);
}

void fp_crash_init(enum fp_unwind_mode unwind, bool snapshots)
{
    unwind_mode = unwind;
    for (size_t i = 0; i < N_FATAL; i++)
        if (fp_sigview_hold(fatal_signals[i], on_fatal_signal, SA_ONSTACK, FP_SIGVIEW_CHAIN,
                            NULL) != 0)
            fp_log("cannot catch signal %d for crash snapshots: %s", fatal_signals[i],
                   strerror(errno));
    snapshots_on = snapshots;
    if (snapshots)
        give_alt_stack();
}
