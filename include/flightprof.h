/*
 * flightprof: a sampling profiler and flight recorder for native Linux
 * programs.
 *
 * Most programs never include this header: preloading the library
 * (LD_PRELOAD=libflightprof.so) and setting FLIGHTPROF_* environment
 * variables is enough. Programs that link the library, or want to trigger
 * profiles and snapshots themselves, use the functions below.
 *
 * Every function is safe to call from any thread, at any time after the
 * program starts, whether or not the library was preloaded. Functions that
 * return int return 0 on success and -1 with errno set on failure; they
 * never print to stdout and never terminate the process.
 */
#ifndef FLIGHTPROF_H
#define FLIGHTPROF_H

#ifdef __cplusplus
extern "C" {
#endif

/* ---- CPU profile (pprof format) ---------------------------------------- */

/*
 * Starts the CPU profiler: every thread, current and future, is sampled at
 * `hz` samples per second of its own CPU time (0 means the default, 100).
 * The profile is written to `path` (gzip-compressed pprof protobuf) by
 * flightprof_cpu_flush(), flightprof_cpu_stop() and at normal exit.
 * `path` may contain %p (process id) and %t (start time, unix seconds).
 *
 * Fails with EALREADY if the profiler is running, EINVAL if hz is out of
 * 1..1000 or path is NULL or empty, EBUSY if the program owns SIGPROF or
 * ITIMER_PROF, and with the error of creating the output file otherwise
 * (the file is created, then replaced atomically on every write).
 */
int flightprof_cpu_start(const char *path, int hz);

/*
 * Writes everything sampled so far to the profile file, atomically (a
 * temporary file renamed over the target), and keeps profiling. Fails with
 * ESRCH if the profiler is not running.
 */
int flightprof_cpu_flush(void);

/*
 * Stops sampling, writes the profile as flightprof_cpu_flush() does and
 * releases the profiler's memory. Fails with ESRCH if it is not running.
 */
int flightprof_cpu_stop(void);

/* ---- Flight recorder --------------------------------------------------- */

/*
 * Writes a snapshot of the flight recorder's window to `path`, or, when
 * `path` is NULL, to the next name of the FLIGHTPROF_SNAPSHOT pattern.
 * Fails with ESRCH if the recorder is not enabled.
 */
int flightprof_snapshot(const char *path);

/*
 * Records a user annotation in the flight recorder: `category` and
 * `message` are copied (truncated to what an event holds). Does nothing
 * when the recorder is not enabled. Async-signal-safe.
 */
void flightprof_log(const char *category, const char *message);

/*
 * Opens a named region on the calling thread; flightprof_region_end()
 * closes the innermost one. Regions show as slices in converted
 * snapshots. Both do nothing when the recorder is not enabled.
 */
void flightprof_region_begin(const char *name);
void flightprof_region_end(void);

/* ---- Heap and lock-contention profiles (pprof format) ------------------ */

/*
 * Writes the heap profile (in-use and allocated objects and bytes, by
 * allocation stack) to `path`. Fails with ESRCH when heap profiling is not
 * enabled (FLIGHTPROF_HEAP unset).
 */
int flightprof_heap_write(const char *path);

/*
 * Writes the same data as flightprof_heap_write() as an "allocs" profile,
 * whose default sample type is alloc_space.
 */
int flightprof_allocs_write(const char *path);

/*
 * Writes the lock-contention profile (contentions and delay by waiting
 * stack) to `path`. Fails with ESRCH when it is not enabled
 * (FLIGHTPROF_MUTEX unset).
 */
int flightprof_mutex_write(const char *path);

/*
 * Writes the block profile (contentions and delay of waits on condition
 * variables, joins, semaphores, barriers and locks, by waiting stack) to
 * `path`. Fails with ESRCH when it is not enabled (FLIGHTPROF_BLOCK unset
 * and no FLIGHTPROF_HTTP).
 */
int flightprof_block_write(const char *path);

/*
 * Writes the threadcreate profile (threads created, by the stack that
 * called pthread_create) to `path`. Fails with ESRCH when it is not
 * enabled (FLIGHTPROF_THREADCREATE unset and no FLIGHTPROF_HTTP).
 */
int flightprof_threadcreate_write(const char *path);

#ifdef __cplusplus
}
#endif

#endif /* FLIGHTPROF_H */
