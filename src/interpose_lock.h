/*
 * The lock wrappers' configuration: which consumers want contention
 * events. Until it is called, the wrappers only forward.
 */
#ifndef FLIGHTPROF_INTERPOSE_LOCK_H
#define FLIGHTPROF_INTERPOSE_LOCK_H

#include <stdbool.h>

/* Feeds the mutex profile and/or the flight recorder from now on. */
void fp_interpose_lock_configure(bool mutex_profile, bool recorder);

#endif
