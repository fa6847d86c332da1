/*
 * The wall between flightprof and the functions it interposes: the real
 * definitions (the next ones after flightprof's own, as the program would
 * have called them without it) of every interposed function that the
 * library itself calls. Code outside the interposer files calls these and
 * never an interposed name, so flightprof's own mappings, locks, signal
 * masks, thread names and loader walks never reach its collectors and need
 * no reentrancy guard; t_arch_libc_wall checks every object for it.
 *
 * The allocator is the program's, not libc's: memory crosses between
 * flightprof and the libraries it uses (libdw and protobuf-c hand out what
 * malloc gave them, and free what they are given), so flightprof's own
 * memory (mem.h) comes from what the program's malloc calls finally
 * reach, found here at load and still without passing through the
 * wrappers. The libraries' own calls do pass through them, inside the
 * internal scope (fp_internal_enter in self.h), where they feed nothing.
 *
 * Signal context: every function here once fp_libc_init has run (each is
 * then one indirect call to libc).
 */
#ifndef FLIGHTPROF_LIBC_H
#define FLIGHTPROF_LIBC_H

#include <link.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/time.h>
#include <sys/types.h>

/* Resolves every function below, so that none is resolved (which takes
 * the loader's lock and may allocate) in a signal handler, and makes the
 * program's allocator flightprof's (fp_mem_use). Called first at load; the functions also resolve themselves on first use, for code
 * that runs before the constructor (another library's). Not
 * async-signal-safe. */
void fp_libc_init(void);

void *fp_libc_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset);
int fp_libc_munmap(void *addr, size_t len);

int fp_libc_pthread_mutex_lock(pthread_mutex_t *mutex);
/* Starts one of flightprof's own threads: the real pthread_create, so it
 * is neither registered, sampled nor counted as the program's. */
int fp_libc_pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                           void *(*start)(void *), void *arg);
int fp_libc_pthread_join(pthread_t thread, void **ret);

int fp_libc_sigaction(int sig, const struct sigaction *act, struct sigaction *old);
int fp_libc_pthread_sigmask(int how, const sigset_t *set, sigset_t *old);
int fp_libc_setitimer(int which, const struct itimerval *value, struct itimerval *old);

/* prctl(2) with its four optional arguments (pass 0 for unused ones). */
int fp_libc_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4,
                  unsigned long a5);

/* For flightprof's own threads' waits (the wrapper would record them). */
int fp_libc_poll(struct pollfd *fds, nfds_t n, int timeout_ms);

/* syscall(2); pass unused arguments as 0. */
long fp_libc_syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

/* Marks the loader window (fp_self()->in_loader) around the call: it
 * holds the loader's lock, and a sample landing there must not run
 * libunwind. */
int fp_libc_dl_iterate_phdr(int (*callback)(struct dl_phdr_info *, size_t, void *), void *data);

#endif
