/*
 * Library load: reads the configuration and starts each module it asks
 * for, in dependency order. Owns nothing after that.
 *
 * Signal context: none.
 */
#include <stdbool.h>

#include "config.h"
#include "cpu.h"
#include "crash.h"
#include "discovery.h"
#include "heapprof.h"
#include "interpose_fd.h"
#include "interpose_pthread.h"
#include "libc.h"
#include "lifecycle.h"
#include "mutexprof.h"
#include "recorder.h"
#include "sampler.h"
#include "self.h"
#include "service.h"
#include "threads.h"
#include "unwind.h"

/* A fork child has only the forking thread: its registry is reset first. */
static void after_fork_child(void)
{
    fp_threads_after_fork_child();
    fp_pthread_after_fork_child();
    fp_service_after_fork_child();
    fp_recorder_after_fork_child();
    fp_sampler_after_fork();
}

/* The service thread must be started anew for signal-triggered writes to
 * work in a fork child; only once every module has reset its locks, since
 * creating a thread allocates. */
static void start_service_in_child(void)
{
    if (fp_config_any_output(fp_lifecycle_config()))
        fp_service_start();
}

__attribute__((constructor)) static void flightprof_load(void)
{
    struct fp_config cfg;

    fp_libc_init(); /* first: everything below may call it */
    fp_internal_enter();
    fp_config_load(&cfg);
    fp_interpose_fd_init(); /* before anything can unwind */
    fp_threads_register_self(0, NULL);
    /* Before the modules register theirs, so that a fork child's thread
     * registry and service thread are reset first. */
    fp_lifecycle_on_fork(fp_sampler_before_fork, fp_sampler_after_fork, after_fork_child);
    fp_lifecycle_init(&cfg, fp_config_any_output(&cfg));
    if (fp_config_any_output(&cfg))
        fp_unwind_init();
    fp_recorder_init(&cfg);
    if (fp_config_any_output(&cfg))
        fp_crash_init(cfg.unwind,
                      fp_recorder_enabled() && (cfg.snapshot_on & FP_SNAPSHOT_ON_CRASH));
    /* After the recorder: they turn the allocator and lock hooks on if
     * either they or the recorder need them. */
    fp_heapprof_init(&cfg);
    fp_mutexprof_init(&cfg);
    fp_cpu_init(&cfg);
    /* After the modules have armed the threads that exist: the service
     * thread is none of them (see fp_threads_mark_own). */
    if (fp_config_any_output(&cfg))
        fp_service_start();
    fp_lifecycle_on_fork(NULL, NULL, start_service_in_child);
    fp_discovery_publish(&cfg); /* last: its exit hook must run after the modules' writes */
    fp_internal_leave();
}
