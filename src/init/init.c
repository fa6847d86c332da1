/*
 * Library load: reads the configuration, starts the engines (engine.h) of
 * the table below, registers the lifecycle hooks of those that started,
 * and makes the wrappers feed what they asked for. The order of the table
 * is the order of their hooks: the recorder first, so that its exit
 * snapshot sees the other engines' last events. Owns, after that, only
 * whether the service thread runs (fork children start theirs).
 *
 * Signal context: none.
 */
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "blockprof.h"
#include "cpu.h"
#include "crash.h"
#include "discovery.h"
#include "engine.h"
#include "heapprof.h"
#include "hooks.h"
#include "http_server.h"
#include "interpose_fd.h"
#include "interpose_pthread.h"
#include "libc.h"
#include "lifecycle.h"
#include "lineage.h"
#include "mutexprof.h"
#include "period.h"
#include "recorder.h"
#include "sampler.h"
#include "self.h"
#include "service.h"
#include "terminate.h"
#include "threadcreate.h"
#include "threads.h"
#include "unwind.h"

static const struct fp_engine *const engines[] = {
    &fp_recorder_engine,
    &fp_period_engine, /* before the profiles: their last period comes before their exit */
    &fp_http_engine,   /* before the profiles it turns on, which stay off if it cannot bind */
    &fp_heap_engine,
    &fp_mutex_engine,
    &fp_block_engine,
    &fp_threadcreate_engine,
    &fp_cpu_engine,
};

/* Whether this process runs the service thread, as a fork child must too. */
static bool service_on;

/* A fork child has only the forking thread: what every engine relies on
 * is reset before theirs run. */
static void core_after_fork_child(void)
{
    fp_threads_after_fork_child();
    fp_pthread_after_fork_child();
    fp_sampler_after_fork_child();
    fp_service_after_fork_child();
    fp_sampler_after_fork();
}

/* The service thread must be started anew for signal-triggered writes to
 * work in a fork child; only once every engine has reset its locks, since
 * creating a thread allocates. */
static void start_service_in_child(void)
{
    if (service_on)
        fp_service_start();
}

/* Starts the engines in table order; returns the wrapper feeds they ask
 * for and whether the recorder is among those that started. An endpoint
 * that does not start turns off what it alone asked for in `cfg`. */
static unsigned start_engines(struct fp_config *cfg, bool *recording)
{
    unsigned hooks = 0;

    *recording = false;
    for (size_t i = 0; i < sizeof(engines) / sizeof(engines[0]); i++) {
        const struct fp_engine *e = engines[i];

        if (!e->start(cfg, &hooks)) {
            if (e == &fp_http_engine && cfg->http_addr[0])
                fp_config_endpoint_off(cfg);
            continue;
        }
        if (e == &fp_recorder_engine)
            *recording = true;
        if (e->fork_prepare || e->fork_parent || e->fork_child)
            fp_lifecycle_on_fork(e->fork_prepare, e->fork_parent, e->fork_child);
        if (e->exit)
            fp_lifecycle_on_exit(e->exit);
        if (e->thread_start || e->thread_exit)
            fp_lifecycle_on_thread(e->thread_start, e->thread_exit);
    }
    return hooks;
}

__attribute__((constructor)) static void flightprof_load(void)
{
    struct fp_config cfg;
    bool any_output, recording;

    fp_libc_init(); /* first: everything below may call it */
    fp_internal_enter();
    fp_config_load(&cfg);
    any_output = fp_config_any_output(&cfg);
    fp_interpose_fd_init(); /* before anything can unwind */
    fp_threads_register_self(0, NULL);
    /* Before the engines register theirs, so that SIGPROF is blocked
     * across all of fork and a child's registry and service thread are
     * reset first. */
    fp_lifecycle_on_fork(fp_sampler_before_fork, fp_sampler_after_fork, core_after_fork_child);
    fp_lifecycle_init(&cfg);
    fp_lineage_init(&cfg);
    if (any_output) {
        fp_terminate_init();
        fp_unwind_init();
        /* Before any thread hook that arms a timer: see unwind.h. */
        fp_lifecycle_on_thread(fp_unwind_thread_prepare, NULL);
    }
    fp_hooks_enable(start_engines(&cfg, &recording));
    any_output = fp_config_any_output(&cfg); /* less, if the endpoint did not start */
    if (any_output) {
        bool snapshots = recording && (cfg.snapshot_on & FP_SNAPSHOT_ON_CRASH);

        fp_crash_init(cfg.unwind, snapshots);
        if (snapshots)
            fp_lifecycle_on_thread(fp_crash_thread_start, fp_crash_thread_exit);
    }
    /* Last: a thread is sampled only once every hook has prepared it and
     * no longer once they undo that; a fork child is re-armed only once
     * every engine has reset its state. */
    fp_lifecycle_on_thread(fp_sampler_thread_start, fp_sampler_thread_exit);
    fp_lifecycle_on_fork(NULL, NULL, fp_sampler_rearm_child);
    /* After the engines have armed the threads that exist: the service
     * thread is none of them (see fp_threads_mark_own). */
    service_on = any_output;
    if (service_on)
        fp_service_start();
    fp_lifecycle_on_fork(NULL, NULL, start_service_in_child);
    /* Once every engine runs: no request finds one still starting. */
    fp_http_server_run();
    /* Last: its exit hook must run after the engines' writes, and the
     * endpoint has bound its address by now. */
    fp_discovery_publish(&cfg, recording, fp_http_server_address());
    fp_internal_leave();
}
