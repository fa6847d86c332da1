/*
 * The CPU sampler. Owns the SIGPROF handler, the table of per-thread
 * timers (guarded by timers_lock, never touched by the handler) and the
 * running state the handler reads.
 *
 * Each thread gets a POSIX timer on its own CPU-time clock that signals
 * that very thread (SIGEV_THREAD_ID), so a thread is sampled in proportion
 * to the CPU it uses; a process-wide ITIMER_PROF would deliver to whichever
 * thread the kernel picks and skew multi-threaded profiles (Go moved off it
 * for that reason). Every timer's first expiry is random within one period
 * so that threads shorter than a period are still sampled fairly.
 *
 * Signal context: on_sigprof.
 */
#include "sampler.h"

#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "libc.h"
#include "log.h"
#include "self.h"
#include "sigview.h"
#include "threads.h"
#include "unwind.h"

/* The kernel's name for thread `tid`'s CPU clock (what
 * pthread_getcpuclockid computes): CPUCLOCK_SCHED of a thread. */
#define THREAD_CPU_CLOCK(tid) ((clockid_t)((~(unsigned)(tid) << 3) | 6))

struct thread_timer {
    int tid;          /* 0: free */
    timer_t timer;
};

/* How many users hold the sampler (fp_sampler_acquire), changed under
 * users_lock: the real pthread_mutex_lock, never the wrapper. */
static pthread_mutex_t users_lock = PTHREAD_MUTEX_INITIALIZER;
static int users;

/* Written by start/stop with no handler running or before the handler is
 * installed; read by the handler. */
static struct {
    _Atomic bool running;
    bool use_itimer;          /* per-thread timers unavailable */
    enum fp_unwind_mode mode;
    int depth;
    long period_ns;
} sampler;

/* Registered at load, before the sampler can start; read by the handler. */
#define MAX_CONSUMERS 4
static fp_sample_fn consumers[MAX_CONSUMERS];
static int n_consumers;

/* Periods sampled, and those whose stack could not be unwound at all. */
static _Atomic uint64_t sampled, unwound_none;

static void consume(const uintptr_t *pcs, int depth, uint64_t weight)
{
    int tid = fp_self_tid();

    atomic_fetch_add_explicit(&sampled, weight, memory_order_relaxed);
    for (int i = 0; i < n_consumers; i++)
        consumers[i](pcs, depth, tid, weight);
}

static _Atomic int handlers_active;
static atomic_flag stepped_aside_logged = ATOMIC_FLAG_INIT;

/* Guarded by timers_lock (a spinlock: held for a syscall at most, and
 * never from a handler). */
static atomic_flag timers_lock = ATOMIC_FLAG_INIT;
static struct thread_timer timers[FP_THREADS_MAX];
static size_t timers_end; /* one past the highest slot used (see threads.c) */

static void lock_timers(void)
{
    while (atomic_flag_test_and_set_explicit(&timers_lock, memory_order_acquire))
        sched_yield();
}

static void unlock_timers(void)
{
    atomic_flag_clear_explicit(&timers_lock, memory_order_release);
}

/*
 * How many periods a timer signal stands for. The kernel checks CPU
 * timers once per tick (4 ms at HZ=250), so a faster timer has expired
 * several times by then; it sends one signal and counts the rest in
 * si_overrun (as it also does for expiries while the signal was still
 * pending). ITIMER_PROF's SI_KERNEL signals carry no such count.
 */
static uint64_t sample_weight(const siginfo_t *info)
{
    if (info->si_code != SI_TIMER || info->si_overrun <= 0)
        return 1;
    return 1 + (uint64_t)info->si_overrun;
}

/* Stack a full sample may need (its frame arrays, libunwind's cursor and
 * context, a sanitizer's redzones), with margin. */
#define FULL_SAMPLE_STACK (64u << 10)

/*
 * Whether this handler has room for a full unwind. It runs on whatever
 * stack the interrupted code was on: a program's own handler running on
 * its alternate signal stack (CPython's faulthandler gives itself 16 KiB;
 * MINSIGSTKSZ is 2 KiB) has less than an unwind needs. On the thread's
 * own stack there is room, and that is known without a system call.
 */
static bool room_for_unwind(void)
{
    const struct fp_self *self = fp_self();
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    stack_t ss;

    if (sp >= self->stack_lo && sp < self->stack_hi)
        return true;
    if (sigaltstack(NULL, &ss) != 0 || !(ss.ss_flags & SS_ONSTACK))
        return true;
    return sp - (uintptr_t)ss.ss_sp >= FULL_SAMPLE_STACK;
}

/* Kept out of on_sigprof so that its arrays take stack only when there
 * is room for them. */
__attribute__((noinline)) static void full_sample(const void *ucontext, uint64_t weight)
{
    uintptr_t pcs[FP_DEPTH_MAX];

    int depth = fp_unwind_from_signal(ucontext, sampler.mode, pcs, sampler.depth);
    if (depth > 0)
        consume(pcs, depth, weight);
    else
        atomic_fetch_add_explicit(&unwound_none, weight, memory_order_relaxed);
}

static void on_sigprof(int sig, siginfo_t *info, void *ucontext)
{
    int saved_errno = errno;

    (void)sig;
    atomic_fetch_add(&handlers_active, 1);
    bool ours = info->si_code == SI_TIMER || (sampler.use_itimer && info->si_code == SI_KERNEL);
    if (ours && atomic_load(&sampler.running)) {
        if (room_for_unwind()) {
            full_sample(ucontext, sample_weight(info));
        } else {
            /* The interrupted PC alone: the time is still counted. */
            uintptr_t pc = (uintptr_t)((const ucontext_t *)ucontext)->uc_mcontext.gregs[REG_RIP];
            consume(&pc, 1, sample_weight(info));
        }
    }
    atomic_fetch_sub(&handlers_active, 1);
    errno = saved_errno;
}

/* xorshift: the first expiry only needs to be spread, not secret. */
static long random_first_expiry(int tid)
{
    static _Atomic uint64_t state = 88172645463325252ull;
    uint64_t x = atomic_load(&state) ^ ((uint64_t)tid << 17) ^ (uint64_t)time(NULL);

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    atomic_store(&state, x);
    return 1 + (long)(x % (uint64_t)sampler.period_ns);
}

static int arm_timer(int tid, timer_t *out)
{
    struct sigevent sev;
    struct itimerspec its;

    memset(&sev, 0, sizeof(sev));
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = SIGPROF;
    sev._sigev_un._tid = tid;
    if (timer_create(THREAD_CPU_CLOCK(tid), &sev, out) != 0)
        return -1;
    its.it_interval.tv_sec = sampler.period_ns / 1000000000;
    its.it_interval.tv_nsec = sampler.period_ns % 1000000000;
    long first = random_first_expiry(tid);
    its.it_value.tv_sec = first / 1000000000;
    its.it_value.tv_nsec = first % 1000000000;
    if (timer_settime(*out, 0, &its, NULL) != 0) {
        timer_delete(*out);
        return -1;
    }
    return 0;
}

/* Arms thread `tid` unless it already has a timer. */
static int add_thread(int tid)
{
    struct thread_timer *free_slot = NULL;
    int rc = 0;

    lock_timers();
    for (size_t i = 0; i < timers_end; i++) {
        if (timers[i].tid == tid)
            goto out;
        if (!timers[i].tid && !free_slot)
            free_slot = &timers[i];
    }
    if (!free_slot && timers_end < FP_THREADS_MAX)
        free_slot = &timers[timers_end];
    if (!free_slot || arm_timer(tid, &free_slot->timer) != 0) {
        rc = -1;
    } else {
        free_slot->tid = tid;
        if (free_slot == &timers[timers_end])
            timers_end++;
    }
out:
    unlock_timers();
    return rc;
}

static void remove_thread(int tid)
{
    lock_timers();
    for (size_t i = 0; i < timers_end; i++) {
        if (timers[i].tid == tid) {
            timer_delete(timers[i].timer);
            timers[i].tid = 0;
        }
    }
    unlock_timers();
}

static void remove_all_threads(void)
{
    lock_timers();
    for (size_t i = 0; i < timers_end; i++) {
        if (timers[i].tid) {
            timer_delete(timers[i].timer);
            timers[i].tid = 0;
        }
    }
    unlock_timers();
}

/* Arms every thread that exists now. Returns -1 if per-thread timers do
 * not work at all here. */
static int add_existing_threads(void)
{
    DIR *dir = opendir("/proc/self/task");
    struct dirent *ent;
    int armed = 0, failed = 0;

    if (!dir)
        return add_thread(fp_self_tid());
    while ((ent = readdir(dir))) {
        int tid = atoi(ent->d_name);
        if (tid > 0 && !fp_threads_is_own(tid))
            add_thread(tid) == 0 ? armed++ : failed++;
    }
    closedir(dir);
    return armed > 0 || failed == 0 ? 0 : -1;
}

static int start_itimer(void)
{
    struct itimerval it;

    it.it_interval.tv_sec = sampler.period_ns / 1000000000;
    it.it_interval.tv_usec = sampler.period_ns % 1000000000 / 1000;
    it.it_value = it.it_interval;
    return fp_libc_setitimer(ITIMER_PROF, &it, NULL);
}

static bool program_owns_sigprof(void)
{
    struct sigaction cur;
    struct itimerval it;

    if (fp_libc_sigaction(SIGPROF, NULL, &cur) == 0 && cur.sa_sigaction != on_sigprof &&
        cur.sa_handler != SIG_DFL && cur.sa_handler != SIG_IGN)
        return true;
    return getitimer(ITIMER_PROF, &it) == 0 &&
           (it.it_value.tv_sec || it.it_value.tv_usec);
}

/* The program installs its own SIGPROF handler (or SIG_IGN): it wins. */
static void sigprof_taken(int sig)
{
    (void)sig;
    fp_sampler_step_aside("the program installs its own SIGPROF handler");
}

void fp_sampler_counts(uint64_t *samples, uint64_t *lost)
{
    *samples = atomic_load_explicit(&sampled, memory_order_relaxed);
    *lost = atomic_load_explicit(&unwound_none, memory_order_relaxed);
}

long fp_sampler_period_ns(void)
{
    return sampler.period_ns;
}

void fp_sampler_add_consumer(fp_sample_fn fn)
{
    if (n_consumers == MAX_CONSUMERS) {
        fp_log("internal: too many sample consumers");
        return;
    }
    consumers[n_consumers++] = fn;
}

/* This function must be called with users_lock held. */
static int start(int hz, enum fp_unwind_mode mode, int depth)
{
    if (program_owns_sigprof()) {
        errno = EBUSY;
        return -1;
    }
    sampler.mode = mode;
    sampler.depth = depth > FP_DEPTH_MAX ? FP_DEPTH_MAX : depth;
    sampler.period_ns = 1000000000L / hz;
    sampler.use_itimer = false;
    if (fp_sigview_hold(SIGPROF, on_sigprof, 0, FP_SIGVIEW_YIELD, sigprof_taken) != 0)
        return -1;
    atomic_store(&sampler.running, true);
    if (add_existing_threads() != 0) {
        fp_log("per-thread CPU timers are unavailable (%s); falling back to setitimer(ITIMER_PROF), "
               "which skews multi-threaded profiles", strerror(errno));
        sampler.use_itimer = true;
        if (start_itimer() != 0) {
            int saved = errno;
            atomic_store(&sampler.running, false);
            errno = saved;
            return -1;
        }
    }
    return 0;
}

void fp_sampler_wait_handlers(void)
{
    while (atomic_load(&handlers_active) > 0)
        sched_yield();
}

static void disarm_and_drain(void)
{
    struct itimerval zero;

    atomic_store(&sampler.running, false);
    if (sampler.use_itimer) {
        memset(&zero, 0, sizeof(zero));
        fp_libc_setitimer(ITIMER_PROF, &zero, NULL);
    }
    remove_all_threads();
    /* A handler that started before `running` dropped may still be using
     * the consumer's memory. */
    fp_sampler_wait_handlers();
}

int fp_sampler_acquire(int hz, enum fp_unwind_mode mode, int depth)
{
    int rc = 0;

    fp_libc_pthread_mutex_lock(&users_lock);
    if (users == 0)
        rc = start(hz, mode, depth);
    else if (!atomic_load(&sampler.running))
        rc = -1, errno = EBUSY; /* stepped aside, or stopped at exit */
    if (rc == 0)
        users++;
    pthread_mutex_unlock(&users_lock);
    return rc;
}

void fp_sampler_release(void)
{
    fp_libc_pthread_mutex_lock(&users_lock);
    if (users > 0 && --users == 0 && atomic_load(&sampler.running))
        disarm_and_drain();
    pthread_mutex_unlock(&users_lock);
}

/* The handler stays installed: a SIGPROF still queued from a deleted timer
 * must find a handler that ignores it, not the default action, which
 * would kill the program. */
void fp_sampler_stop(void)
{
    fp_libc_pthread_mutex_lock(&users_lock);
    if (atomic_load(&sampler.running))
        disarm_and_drain();
    pthread_mutex_unlock(&users_lock);
}

/* Blocks or unblocks SIGPROF alone in the calling thread, with the real
 * pthread_sigmask (the wrapper would keep SIGPROF open); *was_blocked,
 * if given, says whether it was blocked before. */
static void mask_sigprof(int how, bool *was_blocked)
{
    sigset_t prof, old;

    sigemptyset(&prof);
    sigaddset(&prof, SIGPROF);
    fp_libc_pthread_sigmask(how, &prof, &old);
    if (was_blocked)
        *was_blocked = sigismember(&old, SIGPROF);
}

void fp_sampler_thread_start(void)
{
    if (!atomic_load(&sampler.running))
        return;
    /* A thread created with every signal blocked (xz does this) would
     * never take a sample. */
    mask_sigprof(SIG_UNBLOCK, NULL);
    if (!sampler.use_itimer)
        add_thread(fp_self_tid());
}

void fp_sampler_thread_exit(void)
{
    if (!sampler.use_itimer)
        remove_thread(fp_self_tid());
}

bool fp_sampler_owns_sigprof(void)
{
    return atomic_load(&sampler.running) && !fp_internal_active();
}

void fp_sampler_step_aside(const char *why)
{
    if (!atomic_load(&sampler.running))
        return;
    if (!atomic_flag_test_and_set(&stepped_aside_logged))
        fp_log("%s; the CPU profiler steps aside (samples so far are kept)", why);
    disarm_and_drain();
}

/* Whether the forking thread had SIGPROF blocked before fork. */
static __thread bool sigprof_was_blocked __attribute__((tls_model("initial-exec")));

void fp_sampler_before_fork(void)
{
    mask_sigprof(SIG_BLOCK, &sigprof_was_blocked);
}

void fp_sampler_after_fork(void)
{
    if (!sigprof_was_blocked)
        mask_sigprof(SIG_UNBLOCK, NULL);
}

void fp_sampler_after_fork_child(void)
{
    pthread_mutex_init(&users_lock, NULL);
    /* Handlers that ran in other threads at fork will never end here. */
    atomic_store(&handlers_active, 0);
    for (size_t i = 0; i < timers_end; i++)
        if (timers[i].tid) /* written only where used: see threads.c */
            timers[i].tid = 0; /* the parent's timers do not exist here */
    atomic_flag_clear(&timers_lock);
}

void fp_sampler_rearm_child(void)
{
    if (atomic_load(&sampler.running) && !sampler.use_itimer)
        add_thread(fp_self_tid());
}
