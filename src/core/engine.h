/*
 * The engine interface: what every collector (the CPU, heap and mutex
 * profiles, the flight recorder; next the block and wall-clock profiles,
 * thread dumps and the HTTP endpoint) implements for its lifecycle, and
 * nothing else. Events reach an engine by direct calls from the wrappers
 * and the sampler, never through this table, so that no fast path pays an
 * indirect call. init.c holds the table and is the only caller.
 */
#ifndef FLIGHTPROF_ENGINE_H
#define FLIGHTPROF_ENGINE_H

#include <stdbool.h>

struct fp_config;

struct fp_engine {
    const char *name;
    /*
     * Called once at load, in table order, with the configuration read
     * from the environment. Returns whether the engine takes part in the
     * process's lifecycle (the hooks below are registered only then; an
     * engine the API can start later returns true even while idle), and
     * adds to *hooks the wrapper feeds it needs (hooks.h).
     */
    bool (*start)(const struct fp_config *cfg, unsigned *hooks);
    /* Called on each new thread of the program, on that thread, once it is
     * registered (threads.h), and before it ends. May be NULL. */
    void (*thread_start)(void);
    void (*thread_exit)(void);
    /* Around fork, as pthread_atfork orders them across the table: prepare
     * in reverse table order, parent and child in table order. May be
     * NULL. The child hook runs in the child's only thread. */
    void (*fork_prepare)(void);
    void (*fork_parent)(void);
    void (*fork_child)(void);
    /* The process ends with `status` (lifecycle.h's fp_lifecycle_on_exit):
     * write what must be written. May be NULL. */
    void (*exit)(int status);
};

#endif
