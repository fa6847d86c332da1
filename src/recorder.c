/*
 * Placeholder until the flight recorder lands: every hook is a no-op and
 * the recorder reports itself disabled.
 *
 * Signal context: all hooks.
 */
#include "recorder.h"

void fp_recorder_init(const struct fp_config *cfg) { (void)cfg; }
bool fp_recorder_enabled(void) { return false; }
void fp_recorder_thread_start(int parent_tid, const void *start_routine) { (void)parent_tid; (void)start_routine; }
void fp_recorder_thread_exit(void) {}
void fp_recorder_thread_rename(int tid, const char *name) { (void)tid; (void)name; }
void fp_recorder_alloc(enum fp_alloc_kind kind, const void *ptr, size_t size, const void *caller) { (void)kind; (void)ptr; (void)size; (void)caller; }
void fp_recorder_realloc(const void *old_ptr, const void *new_ptr, size_t size, const void *caller) { (void)old_ptr; (void)new_ptr; (void)size; (void)caller; }
void fp_recorder_free(const void *ptr, const void *caller) { (void)ptr; (void)caller; }
void fp_recorder_munmap(const void *ptr, size_t size, const void *caller) { (void)ptr; (void)size; (void)caller; }
void fp_recorder_lock_wait(enum fp_lock_kind kind, const void *lock, uint64_t wait_ns, const void *caller) { (void)kind; (void)lock; (void)wait_ns; (void)caller; }
void fp_recorder_cpu_sample(const uintptr_t *pcs, int depth) { (void)pcs; (void)depth; }
void fp_recorder_fork(pid_t child) { (void)child; }
void fp_recorder_exec(const char *path) { (void)path; }
void fp_recorder_after_fork_child(void) {}
