/*
 * Library load: reads the configuration and starts each module it asks
 * for, in dependency order. Owns nothing after that.
 *
 * Signal context: none.
 */
#include <stdbool.h>

#include "config.h"
#include "cpu.h"
#include "discovery.h"
#include "heapprof.h"
#include "lifecycle.h"
#include "mutexprof.h"
#include "recorder.h"
#include "service.h"
#include "symcache.h"
#include "threads.h"
#include "unwind.h"

static bool wants_output(const struct fp_config *cfg)
{
    return cfg->cpu_path[0] || cfg->snapshot_path[0] || cfg->heap_path[0] || cfg->mutex_path[0];
}

/* A fork child has only the forking thread: the service thread must be
 * started anew for signal-triggered writes to work there. */
static void after_fork_child(void)
{
    fp_threads_after_fork_child();
    fp_service_after_fork_child();
    if (wants_output(fp_lifecycle_config()))
        fp_service_start();
    fp_recorder_after_fork_child();
}

__attribute__((constructor)) static void flightprof_load(void)
{
    struct fp_config cfg;

    fp_self()->busy++;
    fp_config_load(&cfg);
    fp_symcache_set_dir(cfg.symcache_dir);
    fp_threads_register_self(0, NULL);
    /* Before the modules register theirs, so that a fork child's thread
     * registry and service thread are reset first. */
    fp_lifecycle_on_fork(NULL, NULL, after_fork_child);
    fp_lifecycle_init(&cfg, wants_output(&cfg));
    if (wants_output(&cfg)) {
        fp_service_start();
        fp_unwind_init();
    }
    fp_recorder_init(&cfg);
    /* After the recorder: they turn the allocator and lock hooks on if
     * either they or the recorder need them. */
    fp_heapprof_init(&cfg);
    fp_mutexprof_init(&cfg);
    fp_cpu_init(&cfg);
    fp_discovery_publish(&cfg); /* last: its exit hook must run after the modules' writes */
    fp_self()->busy--;
}
