/*
 * The real definitions of the interposed functions flightprof calls
 * itself (libc.h). Owns one resolved pointer per function, written once
 * (racing resolvers store the same value) and read-only afterwards.
 *
 * Signal context: every function, after fp_libc_init.
 */
#include "libc.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "interpose.h"
#include "mem.h"
#include "self.h"

static __typeof__(mmap) *FP_REAL(mmap);
static __typeof__(munmap) *FP_REAL(munmap);
static __typeof__(pthread_mutex_lock) *FP_REAL(pthread_mutex_lock);
static __typeof__(pthread_create) *FP_REAL(pthread_create);
static __typeof__(pthread_join) *FP_REAL(pthread_join);
static __typeof__(sigaction) *FP_REAL(sigaction);
static __typeof__(pthread_sigmask) *FP_REAL(pthread_sigmask);
static __typeof__(setitimer) *FP_REAL(setitimer);
static __typeof__(prctl) *FP_REAL(prctl);
static __typeof__(poll) *FP_REAL(poll);
static __typeof__(syscall) *FP_REAL(syscall);
static __typeof__(dl_iterate_phdr) *FP_REAL(dl_iterate_phdr);

/* flightprof's own allocator (mem.h): what the program's malloc calls
 * finally reach. */
static struct fp_mem_allocator allocator;

/* Whether `fn` is defined in libflightprof.so itself: one of the
 * allocator wrappers, which forward to the definition after them. */
static bool defined_here(void *fn)
{
    Dl_info theirs, here;

    return dladdr(fn, &theirs) && dladdr((void *)fp_libc_init, &here) &&
           theirs.dli_fbase == here.dli_fbase;
}

/* The first definition of `name` in the global scope (the program's own
 * allocator, a sanitizer's, or our wrapper), skipping ours. By name, so
 * that nothing here binds to the wrappers. (A non-PIE program that takes
 * malloc's address makes dlsym return its canonical PLT entry, which leads
 * to the first definition, possibly ours: memory still comes from the
 * right allocator, through the wrappers, which feed nothing in the
 * internal scope.) */
static void *program_allocator(const char *name)
{
    void *fn = dlsym(RTLD_DEFAULT, name);

    return fn && defined_here(fn) ? dlsym(RTLD_NEXT, name) : fn;
}

void fp_libc_init(void)
{
    allocator.alloc = (void *(*)(size_t))program_allocator("malloc");
    allocator.alloc_zeroed = (void *(*)(size_t, size_t))program_allocator("calloc");
    allocator.resize = (void *(*)(void *, size_t))program_allocator("realloc");
    allocator.release = (void (*)(void *))program_allocator("free");
    fp_mem_use(&allocator);
    FP_RESOLVE(mmap);
    FP_RESOLVE(munmap);
    FP_RESOLVE(pthread_mutex_lock);
    FP_RESOLVE(pthread_create);
    FP_RESOLVE(pthread_join);
    FP_RESOLVE(sigaction);
    FP_RESOLVE(pthread_sigmask);
    FP_RESOLVE(setitimer);
    FP_RESOLVE(prctl);
    FP_RESOLVE(poll);
    FP_RESOLVE(syscall);
    FP_RESOLVE(dl_iterate_phdr);
}

void *fp_libc_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset)
{
    return FP_RESOLVE(mmap)(addr, len, prot, flags, fd, offset);
}

int fp_libc_munmap(void *addr, size_t len)
{
    return FP_RESOLVE(munmap)(addr, len);
}

int fp_libc_pthread_mutex_lock(pthread_mutex_t *mutex)
{
    return FP_RESOLVE(pthread_mutex_lock)(mutex);
}

int fp_libc_pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                           void *(*start)(void *), void *arg)
{
    return FP_RESOLVE(pthread_create)(thread, attr, start, arg);
}

int fp_libc_pthread_join(pthread_t thread, void **ret)
{
    return FP_RESOLVE(pthread_join)(thread, ret);
}

int fp_libc_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    return FP_RESOLVE(sigaction)(sig, act, old);
}

int fp_libc_pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
    return FP_RESOLVE(pthread_sigmask)(how, set, old);
}

int fp_libc_setitimer(int which, const struct itimerval *value, struct itimerval *old)
{
    return FP_RESOLVE(setitimer)(which, value, old);
}

int fp_libc_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4,
                  unsigned long a5)
{
    return FP_RESOLVE(prctl)(option, a2, a3, a4, a5);
}

int fp_libc_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
    return FP_RESOLVE(poll)(fds, n, timeout_ms);
}

long fp_libc_syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6)
{
    return FP_RESOLVE(syscall)(number, a1, a2, a3, a4, a5, a6);
}

int fp_libc_dl_iterate_phdr(int (*callback)(struct dl_phdr_info *, size_t, void *), void *data)
{
    struct fp_self *self = fp_self();

    self->in_loader++;
    int rc = FP_RESOLVE(dl_iterate_phdr)(callback, data);
    self->in_loader--;
    return rc;
}
