/*
 * Thread creation and naming wrappers: every thread the program creates
 * is registered, sampled and recorded from its first instruction to its
 * exit.
 */
#ifndef FLIGHTPROF_INTERPOSE_PTHREAD_H
#define FLIGHTPROF_INTERPOSE_PTHREAD_H

/* In a fork child: the calling thread is the program's only thread. */
void fp_pthread_after_fork_child(void);

#endif
