/*
 * The thread registry and per-thread state. The registry is a static array
 * of slots claimed with compare-and-swap; nothing here takes a lock.
 *
 * Signal context: fp_threads_get_name, fp_threads_copy_name,
 * fp_threads_slot.
 */
#include "clock.h"
#include "self.h"
#include "threads.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "libc.h"
#include "mem.h"
#include "procfs.h"

static struct fp_thread registry[FP_THREADS_MAX];
/* One past the highest slot ever claimed: loops stop there, so that a
 * process with few threads (and each of its fork children, where every
 * page touched is a fault) reads a few slots, not the whole table. Only
 * grows. */
static _Atomic size_t registry_end;
/* flightprof's own threads (the service thread, the endpoint's), which
 * are neither registered nor sampled; each writes its own tid here when it
 * starts (fp_threads_start_own). */
#define OWN_MAX 4
static _Atomic int own_tids[OWN_MAX];

struct fp_thread *fp_threads_slot(size_t i)
{
    return i < FP_THREADS_MAX ? &registry[i] : NULL;
}

size_t fp_threads_end(void)
{
    return atomic_load_explicit(&registry_end, memory_order_acquire);
}

static struct fp_thread *claimed(size_t i)
{
    size_t end = atomic_load(&registry_end);

    while (end <= i && !atomic_compare_exchange_weak(&registry_end, &end, i + 1))
        ;
    return &registry[i];
}

static struct fp_thread *find(int tid)
{
    size_t end = fp_threads_end();

    for (size_t i = 0; i < end; i++)
        if (atomic_load_explicit(&registry[i].tid, memory_order_acquire) == tid)
            return &registry[i];
    return NULL;
}

static void write_name(struct fp_thread *t, const char *name)
{
    atomic_fetch_add_explicit(&t->name_seq, 1, memory_order_acq_rel);
    atomic_thread_fence(memory_order_release);
    strncpy(t->name, name, FP_THREAD_NAME_MAX - 1);
    t->name[FP_THREAD_NAME_MAX - 1] = '\0';
    atomic_fetch_add_explicit(&t->name_seq, 1, memory_order_release);
}

void fp_threads_copy_name(struct fp_thread *t, char *out)
{
    for (int tries = 0; tries < 100; tries++) {
        unsigned seq = atomic_load_explicit(&t->name_seq, memory_order_acquire);
        if (seq & 1)
            continue;
        memcpy(out, t->name, FP_THREAD_NAME_MAX);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&t->name_seq, memory_order_relaxed) == seq)
            break;
    }
    out[FP_THREAD_NAME_MAX - 1] = '\0';
}

bool fp_threads_get_name(int tid, char *out)
{
    struct fp_thread *t = find(tid);

    if (!t)
        return false;
    fp_threads_copy_name(t, out);
    return true;
}

int fp_threads_tid_of(unsigned long pthread)
{
    size_t end = fp_threads_end();

    for (size_t i = 0; i < end; i++) {
        struct fp_thread *t = &registry[i];
        int tid = atomic_load_explicit(&t->tid, memory_order_acquire);
        if (tid && t->pthread == pthread && !atomic_load(&t->exit_ns))
            return tid;
    }
    return 0;
}

unsigned fp_threads_wait_of(int tid)
{
    struct fp_thread *t = find(tid);

    return t && !atomic_load(&t->exit_ns) ? atomic_load_explicit(&t->wait, memory_order_acquire)
                                           : FP_THREAD_WAIT_NONE;
}

void fp_threads_set_name(int tid, const char *name)
{
    struct fp_thread *t = find(tid);

    if (t)
        write_name(t, name);
}

/* Claims a free slot, or failing that the one whose thread exited first. */
static struct fp_thread *claim_slot(int tid)
{
    for (int attempt = 0; attempt < 4; attempt++) {
        struct fp_thread *oldest = NULL;
        uint64_t oldest_exit = UINT64_MAX;
        for (size_t i = 0; i < FP_THREADS_MAX; i++) {
            int expected = 0;
            if (atomic_compare_exchange_strong(&registry[i].tid, &expected, tid))
                return claimed(i);
            uint64_t exited = atomic_load(&registry[i].exit_ns);
            if (exited && exited < oldest_exit) {
                oldest_exit = exited;
                oldest = &registry[i];
            }
        }
        if (!oldest)
            return NULL;
        int old_tid = atomic_load(&oldest->tid);
        if (atomic_load(&oldest->exit_ns) == oldest_exit &&
            atomic_compare_exchange_strong(&oldest->tid, &old_tid, tid))
            return oldest;
    }
    return NULL;
}

/* The stack pointer at process start (glibc's, exported for this use):
 * every frame of the main thread lies below it. */
extern void *__libc_stack_end;

#define MAIN_STACK_MAX (64u << 20) /* when RLIMIT_STACK is unlimited */

/* For the main thread, glibc's pthread_getattr_np parses /proc/self/maps,
 * a noticeable part of what every short process pays at load: the
 * bounds follow from where the stack started and RLIMIT_STACK instead. */
static bool main_stack_bounds(struct fp_self *self)
{
    struct rlimit rl;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);

    if (getpid() != fp_self_tid() || !__libc_stack_end || getrlimit(RLIMIT_STACK, &rl) != 0)
        return false;
    uintptr_t hi = ((uintptr_t)__libc_stack_end + page - 1) & ~(page - 1);
    uintptr_t size = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > MAIN_STACK_MAX ? MAIN_STACK_MAX
                                                                                 : rl.rlim_cur;
    self->stack_hi = hi;
    self->stack_lo = hi - size;
    return true;
}

static void read_stack_bounds(struct fp_self *self)
{
    pthread_attr_t attr;
    void *addr;
    size_t size;

    if (main_stack_bounds(self))
        return;
    if (pthread_getattr_np(pthread_self(), &attr) != 0)
        return;
    if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
        self->stack_lo = (uintptr_t)addr;
        self->stack_hi = (uintptr_t)addr + size;
    }
    pthread_attr_destroy(&attr);
}

static struct fp_thread *register_tid(int tid, int parent_tid, const void *start_routine,
                                      const char *name)
{
    struct fp_thread *t = find(tid);

    if (!t && !(t = claim_slot(tid)))
        return NULL;
    t->parent_tid = parent_tid;
    t->pthread = 0;
    t->start_routine = start_routine;
    t->start_ns = fp_now_ns();
    atomic_store(&t->exit_ns, 0);
    atomic_store(&t->wait, FP_THREAD_WAIT_NONE);
    write_name(t, name);
    return t;
}

struct fp_thread *fp_threads_register_self(int parent_tid, const void *start_routine)
{
    struct fp_self *self = fp_self();
    char name[FP_THREAD_NAME_MAX] = "";

    if (self->slot)
        return self->slot;
    fp_libc_prctl(PR_GET_NAME, (unsigned long)name, 0, 0, 0);
    /* Known already in a fork child (the same stack): glibc finds the main
     * thread's by reading /proc/self/maps, too slow for every fork. */
    if (!self->stack_hi)
        read_stack_bounds(self);
    self->slot = register_tid(fp_self_tid(), parent_tid, start_routine, name);
    if (self->slot)
        self->slot->pthread = (unsigned long)pthread_self();
    return self->slot;
}

void fp_threads_exit_self(void)
{
    struct fp_self *self = fp_self();

    if (self->slot)
        atomic_store(&self->slot->exit_ns, fp_now_ns());
    self->slot = NULL;
}

static void read_comm(int tid, char *name)
{
    char path[64];

    char comm[FP_THREAD_NAME_MAX];

    snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tid);
    if (fp_procfs_read(path, comm, sizeof(comm)) > 0) {
        comm[strcspn(comm, "\n")] = '\0';
        memcpy(name, comm, sizeof(comm));
    }
}

static void mark_own(void)
{
    int tid = fp_self_tid();

    for (size_t i = 0; i < OWN_MAX; i++) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&own_tids[i], &expected, tid))
            break;
    }
    struct fp_thread *t = find(tid); /* registered by a scan that raced our start */
    if (t)
        atomic_store(&t->tid, 0);
}

static void unmark_own(void)
{
    int tid = fp_self_tid();

    for (size_t i = 0; i < OWN_MAX; i++) {
        int expected = tid;
        atomic_compare_exchange_strong(&own_tids[i], &expected, 0);
    }
}

struct own_start {
    void *(*fn)(void *);
    void *arg;
    char name[16];
};

static void *own_main(void *p)
{
    struct own_start start = *(struct own_start *)p;

    fp_internal_enter(); /* nothing this thread does is the program's */
    fp_mem_free(p);
    mark_own();
    fp_libc_prctl(PR_SET_NAME, (unsigned long)start.name, 0, 0, 0);
    void *ret = start.fn(start.arg);
    unmark_own();
    return ret;
}

int fp_threads_start_own(pthread_t *thread, const char *name, void *(*fn)(void *), void *arg)
{
    struct own_start *start = fp_mem_alloc(sizeof(*start));
    sigset_t all, old;
    int rc;

    if (!start)
        return ENOMEM;
    start->fn = fn;
    start->arg = arg;
    snprintf(start->name, sizeof(start->name), "%s", name);
    /* The thread inherits this mask. */
    sigfillset(&all);
    fp_libc_pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = fp_libc_pthread_create(thread, NULL, own_main, start);
    fp_libc_pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        fp_mem_free(start);
    return rc;
}

bool fp_threads_is_own(int tid)
{
    for (size_t i = 0; i < OWN_MAX; i++)
        if (atomic_load(&own_tids[i]) == tid)
            return true;
    return false;
}

void fp_threads_register_existing(void)
{
    DIR *dir = opendir("/proc/self/task");
    struct dirent *ent;

    if (!dir)
        return;
    while ((ent = readdir(dir))) {
        int tid = atoi(ent->d_name);
        char name[FP_THREAD_NAME_MAX] = "";
        if (tid <= 0 || find(tid) || fp_threads_is_own(tid))
            continue;
        read_comm(tid, name);
        register_tid(tid, 0, NULL, name);
    }
    closedir(dir);
}

void fp_threads_after_fork_child(void)
{
    struct fp_self *self = fp_self();

    /* Only used slots are written: every page written is a copy in a
     * fork child, and fork-heavy programs fork thousands of times. */
    size_t end = fp_threads_end();
    for (size_t i = 0; i < end; i++)
        if (atomic_load_explicit(&registry[i].tid, memory_order_relaxed))
            atomic_store(&registry[i].tid, 0);
    for (size_t i = 0; i < OWN_MAX; i++)
        atomic_store(&own_tids[i], 0); /* the parent's threads are not here */
    self->tid = 0;
    self->slot = NULL;
    fp_threads_register_self(0, NULL);
}
