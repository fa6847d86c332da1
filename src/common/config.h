/*
 * Configuration from FLIGHTPROF_* environment variables. Every value has
 * a default; a bad value is reported on stderr and the default is used (or,
 * for an unusable output path, that output is switched off).
 */
#ifndef FLIGHTPROF_CONFIG_H
#define FLIGHTPROF_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

enum fp_unwind_mode {
    FP_UNWIND_LIBUNWIND,
    FP_UNWIND_FRAME_POINTERS,
};

/* Bits of fp_config.snapshot_on. */
#define FP_SNAPSHOT_ON_CRASH 0x1u /* fatal signals */
#define FP_SNAPSHOT_ON_ERROR 0x2u /* exit with non-zero status */
#define FP_SNAPSHOT_ON_EXIT  0x4u /* every exit */

#define FP_HZ_DEFAULT 100
/* A wait of 1 ms or more is always in the block profile, a shorter one
 * with probability wait/1 ms: each blocked thread then costs at most a
 * couple of thousand stack captures a second, however short and many its
 * waits. */
#define FP_BLOCK_RATE_DEFAULT 1000000ull
#define FP_HZ_MAX 1000
#define FP_DEPTH_DEFAULT 128
#define FP_DEPTH_MAX 512

struct fp_config {
    /* CPU profile: FLIGHTPROF_CPU, _HZ, _UNWIND, _DEPTH. */
    char cpu_path[PATH_MAX];      /* pattern; "" when off */
    int hz;
    enum fp_unwind_mode unwind;
    int depth;

    /* Flight recorder: FLIGHTPROF_SNAPSHOT, _RECORDER_SIZE, _RECORDER_AGE,
     * _SNAPSHOT_SIGNAL, _SNAPSHOT_ON, _RECORDER_HZ. */
    char snapshot_path[PATH_MAX]; /* pattern; "" when off */
    uint64_t recorder_size;       /* bytes */
    uint64_t recorder_age_ns;
    int snapshot_signal;          /* 0 when none */
    unsigned snapshot_on;         /* FP_SNAPSHOT_ON_* */
    int recorder_hz;              /* 0: CPU samples only from the profiler */

    /* Heap, mutex, block and threadcreate profiles: FLIGHTPROF_HEAP,
     * _HEAP_RATE, _HEAP_SIGNAL, FLIGHTPROF_MUTEX, _MUTEX_RATE,
     * FLIGHTPROF_BLOCK, _BLOCK_RATE, FLIGHTPROF_THREADCREATE. Each is on
     * with a file to write, or with the endpoint alone (unless set to
     * "off"). */
    bool heap_on, mutex_on, block_on, threadcreate_on;
    char heap_path[PATH_MAX];     /* "" when no file is written */
    uint64_t heap_rate;           /* mean bytes between samples; 1 = all */
    int heap_signal;              /* 0 when none */
    char mutex_path[PATH_MAX];
    uint64_t mutex_rate;          /* record one contention in N */
    char block_path[PATH_MAX];
    uint64_t block_rate_ns;       /* Go's SetBlockProfileRate, in ns */
    char threadcreate_path[PATH_MAX];

    /* Continuous profiling to files: FLIGHTPROF_PERIOD. */
    uint64_t period_ns;           /* 0 when off */

    /* Live endpoint: FLIGHTPROF_HTTP, _HTTP_TOKEN (http_addr.h says the
     * address syntax). */
    char http_addr[PATH_MAX];     /* "" when off */
    char http_token[256];         /* "" for none */

    /* Symbol cache: FLIGHTPROF_SYMCACHE. */
    char symcache_dir[PATH_MAX];  /* "" when off */
};

/* Whether `cfg` asks for any output (a profile, the recorder or the
 * endpoint, which can start the sampler at any time). */
bool fp_config_any_output(const struct fp_config *cfg);

/* The endpoint could not start (a bad address, a port in use): it is
 * off in `cfg`, and so are the profiles that were on only for it. */
void fp_config_endpoint_off(struct fp_config *cfg);

/* Fills `cfg` from the environment, logging one line per bad value.
 * FLIGHTPROF_LOG is read first and handed to fp_log_configure (log.h):
 * it is the logger's setting, not a field of `cfg`. */
void fp_config_load(struct fp_config *cfg);

/* The symbol cache directory from FLIGHTPROF_SYMCACHE ("off", or an
 * absolute path; by default $XDG_CACHE_HOME/flightprof or
 * $HOME/.cache/flightprof), "" when off. Used by fp_config_load and the
 * CLI. */
void fp_config_load_symcache(char dir[PATH_MAX]);

/* Parsers the CLI shares. Each returns 0, or -1 for a value it does not
 * accept (and leaves *out alone). */
int fp_config_parse_int(const char *s, long min, long max, long *out);
/* "SIGUSR2", "USR2", "12"; "none" gives 0. */
int fp_config_parse_signal(const char *s, int *out);

#endif
