/*
 * Writing a snapshot file (format: snapfmt.h) from the recorder's chunk
 * pool, the thread registry and /proc/self/maps, with async-signal-safe
 * calls only and static buffers, so that the crash handler can use it.
 */
#ifndef FLIGHTPROF_SNAPSHOT_H
#define FLIGHTPROF_SNAPSHOT_H

#include <stdint.h>

#include "snapfmt.h"

/* What the snapshot records about why it was taken. */
struct fp_snapshot_request {
    enum fp_snap_trigger trigger;
    uint64_t sequence;
    uint64_t recorder_size, recorder_age_ns;
    uint64_t cpu_period_ns; /* of the CPU samples in the buffers; 0: none */
    uint64_t since_ns;      /* CLOCK_MONOTONIC: only events from then on, the
                             * age bound aside; 0: the age bound alone */
    int signo, si_code;          /* crash */
    uint64_t fault_addr;         /* crash */
    int crash_tid;               /* crash */
    const uintptr_t *crash_pcs;  /* crash: exact PC first */
    int crash_depth;
    int exit_status;             /* error/exit */
};

/* Each context has its own static buffers: a crash can happen while a
 * normal snapshot is being written. A context must not be used by two
 * writers at once (the caller serialises). */
enum fp_snapshot_context {
    FP_SNAPSHOT_NORMAL,
    FP_SNAPSHOT_CRASH,
};

/*
 * Writes a snapshot to `path` atomically (temporary file, then rename).
 * Returns 0, or -1 with errno (and no file left behind). Async-signal-safe.
 */
int fp_snapshot_write(const char *path, const struct fp_snapshot_request *req,
                      enum fp_snapshot_context ctx);

/* Writes a snapshot at the start of `fd` (a file opened for writing that
 * the caller closes), for files that are not the pattern's. Returns 0, or
 * -1 with errno. Async-signal-safe. */
int fp_snapshot_write_fd(int fd, const struct fp_snapshot_request *req,
                         enum fp_snapshot_context ctx);

#endif
