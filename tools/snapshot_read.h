/*
 * Reading flight-recorder snapshots (format: src/base/snapfmt.h,
 * docs/snapshot-format.md). fp_sread_open reads the whole file into memory
 * and validates every byte of structure before returning, so the accessors
 * below never fail: a corrupt, truncated or foreign file gives one error
 * message and no snapshot.
 *
 * Events are returned oldest first (by time; ties keep file order, so each
 * thread's own events stay in the order it recorded them).
 *
 * The reader's own names are fp_sread_*; fp_snap_* and FP_SNAP_* are the
 * format's (src/base/snapfmt.h), shared with the writer in the library.
 *
 * Signal context: none.
 */
#ifndef FLIGHTPROF_SNAPSHOT_READ_H
#define FLIGHTPROF_SNAPSHOT_READ_H

#include <stddef.h>
#include <stdint.h>

#include "snapfmt.h" /* the enums of triggers, events and their subtypes */

struct fp_sread;

/* The header. Strings and arrays belong to the snapshot. */
struct fp_sread_info {
    uint32_t version;
    int pid;
    enum fp_snap_trigger trigger;
    uint64_t sequence;
    uint64_t mono_ns, wall_ns;   /* clock base: wall = wall_ns + (t - mono_ns) */
    uint64_t window_start_ns, window_end_ns; /* monotonic; 0/0 if no events */
    int signo, si_code;          /* crash trigger, else 0 */
    uint64_t fault_addr;
    int crash_tid;
    int exit_status;             /* exit/error trigger, else 0 */
    uint64_t recorder_size, recorder_age_ns;
    uint64_t events_dropped, events_aged_out;
    uint64_t events_overwritten; /* sum over the thread table */
    uint64_t cpu_period_ns;      /* CPU samples' period; 0: unknown (older file) or none */
    const char *executable;      /* "" when unknown */
    const uint64_t *crash_pcs;   /* crashing thread's stack: exact PC first */
    int crash_depth;             /* 0 when there is none */
};

struct fp_sread_map {
    uint64_t start, limit, offset;
    const char *path;
    const char *build_id; /* lowercase hex; "" when none */
};

struct fp_sread_thread_info {
    int tid;
    int parent_tid;          /* 0 when unknown */
    uint64_t start_ns;       /* 0 when unknown */
    uint64_t exit_ns;        /* 0 while running */
    uint64_t start_routine;  /* 0 when unknown */
    uint64_t overwritten;    /* events lost to newer ones */
    uint64_t events;         /* events of this thread in the snapshot */
    const char *name;        /* "" when unknown */
};

/* One decoded event. Which union member is valid depends on `kind`. */
struct fp_sread_ev {
    uint64_t time_ns;        /* monotonic; the end of events with a duration */
    int tid;
    enum fp_snap_event_kind kind;
    int sub;                 /* alloc kind, lock kind or wait kind */
    union {
        struct { int parent_tid; uint64_t start_routine; } thread_start;
        struct { int tid; const char *name; } thread_name;
        struct { uint64_t ptr, size, caller; } alloc;      /* ALLOC, MUNMAP */
        struct { uint64_t old_ptr, new_ptr, size, caller; } realloc;
        struct { uint64_t ptr, caller; } free;
        struct { uint64_t object, wait_ns, caller; } wait; /* LOCK_WAIT, WAIT */
        struct { const uint64_t *pcs; int depth; } cpu;    /* exact PC first */
        struct { int64_t value; } num;                     /* FORK, EXIT */
        struct { const char *str; } text;                  /* EXEC, REGION_BEGIN */
        struct { int signo, si_code; uint64_t addr; } signal;
        struct { const char *category, *message; } log;
    } u;
};

/*
 * Reads and validates the snapshot in `path`. Returns it, or NULL with a
 * one-line reason (no trailing newline, not naming the file) in err.
 */
struct fp_sread *fp_sread_open(const char *path, char *err, size_t errlen);

/* The same for a snapshot already in memory (the data is copied). */
struct fp_sread *fp_sread_parse(const void *data, size_t len, char *err, size_t errlen);

void fp_sread_close(struct fp_sread *snap);

const struct fp_sread_info *fp_sread_info(const struct fp_sread *snap);

size_t fp_sread_map_count(const struct fp_sread *snap);
const struct fp_sread_map *fp_sread_map(const struct fp_sread *snap, size_t i);

/* Threads in the thread table, plus any thread that has events but no
 * entry (with an empty name). */
size_t fp_sread_thread_count(const struct fp_sread *snap);
const struct fp_sread_thread_info *fp_sread_thread(const struct fp_sread *snap, size_t i);
/* NULL when `tid` is not in the table. */
const struct fp_sread_thread_info *fp_sread_thread_by_tid(const struct fp_sread *snap, int tid);

/* Events, oldest first. */
size_t fp_sread_event_count(const struct fp_sread *snap);
const struct fp_sread_ev *fp_sread_event(const struct fp_sread *snap, size_t i);

/* Names for printing: "malloc", "mutex", "nanosleep", "crash", "cpu", ...
 * ("?" for values out of range); event kinds' are fp_snap_kind_name's
 * (snapfmt.h). */
const char *fp_sread_alloc_name(int alloc_kind);
const char *fp_sread_lock_name(int lock_kind);
const char *fp_sread_wait_name(int wait_kind);
const char *fp_sread_trigger_name(enum fp_snap_trigger trigger);

#endif
