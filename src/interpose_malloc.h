/*
 * The allocator wrappers' configuration: which consumers want allocation
 * events. Until it is called, the wrappers only forward.
 */
#ifndef FLIGHTPROF_INTERPOSE_MALLOC_H
#define FLIGHTPROF_INTERPOSE_MALLOC_H

#include <stdbool.h>

/* Feeds the heap profile and/or the flight recorder from now on. */
void fp_interpose_malloc_configure(bool heap_profile, bool recorder);

#endif
