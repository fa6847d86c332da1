/*
 * Thread creation and naming wrappers: every thread the program creates
 * is registered, sampled and recorded from its first instruction to its
 * exit.
 */
#ifndef FLIGHTPROF_INTERPOSE_PTHREAD_H
#define FLIGHTPROF_INTERPOSE_PTHREAD_H

#include <pthread.h>

/* The real pthread_create, for flightprof's own threads, which must be
 * neither sampled nor recorded. */
int fp_pthread_create_unprofiled(pthread_t *thread, const pthread_attr_t *attr,
                                 void *(*start)(void *), void *arg);

/* In a fork child: the calling thread is the program's only thread. */
void fp_pthread_after_fork_child(void);

#endif
