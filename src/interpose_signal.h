/*
 * The program's view of SIGPROF and ITIMER_PROF: wrappers that make the
 * sampler step aside when the program takes them, and direct access to
 * the real functions for flightprof's own use.
 */
#ifndef FLIGHTPROF_INTERPOSE_SIGNAL_H
#define FLIGHTPROF_INTERPOSE_SIGNAL_H

#include <signal.h>
#include <sys/time.h>

/* The real sigaction/setitimer, bypassing flightprof's wrappers. */
int fp_real_sigaction(int sig, const struct sigaction *act, struct sigaction *old);
int fp_real_setitimer(int which, const struct itimerval *value, struct itimerval *old);
int fp_real_pthread_sigmask(int how, const sigset_t *set, sigset_t *old);

#endif
