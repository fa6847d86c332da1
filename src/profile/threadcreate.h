/*
 * The threadcreate profile (FLIGHTPROF_THREADCREATE), Go's: the stacks
 * that created threads, one count per pthread_create that succeeded,
 * written as a pprof profile at exit and through the API.
 */
#ifndef FLIGHTPROF_THREADCREATE_H
#define FLIGHTPROF_THREADCREATE_H

struct fp_engine;
struct fp_siteprof;

/* The engine (engine.h): on when FLIGHTPROF_THREADCREATE is set or the
 * endpoint asks for it; asks the thread wrapper to feed it. */
extern const struct fp_engine fp_threadcreate_engine;

/* The profile, for the endpoint; NULL when it is off. */
struct fp_siteprof *fp_threadcreate_profile(void);

/* pthread_create, called from `caller`, started a thread. Records it when
 * the profile is on. */
void fp_threadcreate_record(const void *caller);

#endif
