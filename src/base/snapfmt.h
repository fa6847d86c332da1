/*
 * The flight recorder's snapshot file format, version 1: every on-disk
 * structure and value shared by the writer (src/recorder/snapshot.c, src/recorder/crash.c)
 * and the reader (tools/snapshot_read.c), so that the CLI needs no runtime
 * header to read a file, plus the sigqueue() value by which the CLI asks
 * for one. docs/snapshot-format.md describes it in prose. All integers
 * are little-endian; every record starts and ends on an 8-byte boundary.
 *
 * Layout: struct fp_snap_header, then sections (struct fp_snap_section +
 * `size` bytes each), the last of which is FP_SNAP_SEC_END. Event records
 * are stored exactly as the recorder keeps them in memory, so a snapshot
 * copies buffers rather than re-encoding events.
 *
 * Signal context: none (declarations, and the names of snapfmt.c).
 */
#ifndef FLIGHTPROF_SNAPFMT_H
#define FLIGHTPROF_SNAPFMT_H

#include <stdint.h>

#define FP_SNAP_MAGIC "FPSNAP\r\n" /* 8 bytes, no NUL */
#define FP_SNAP_VERSION 1u

enum fp_snap_trigger {
    FP_SNAP_TRIGGER_SIGNAL = 1, /* FLIGHTPROF_SNAPSHOT_SIGNAL */
    FP_SNAP_TRIGGER_API,        /* flightprof_snapshot() */
    FP_SNAP_TRIGGER_CLI,        /* flightprof snapshot PID */
    FP_SNAP_TRIGGER_CRASH,      /* a fatal signal */
    FP_SNAP_TRIGGER_ERROR,      /* exit with a non-zero status */
    FP_SNAP_TRIGGER_EXIT,       /* any exit */
    FP_SNAP_TRIGGER_HTTP,       /* /debug/flightrecorder or /debug/pprof/trace */
    FP_SNAP_TRIGGER_LAST = FP_SNAP_TRIGGER_HTTP,
};

/*
 * `flightprof snapshot PID` sends the snapshot signal with sigqueue() and
 * this value, so that the snapshot records the CLI as its trigger
 * (FP_SNAP_TRIGGER_CLI). Not in the file, but shared by the CLI and the
 * library as the format is.
 */
#define FP_SNAP_CLI_SIGVAL 0x46505343 /* "FPSC" */

struct fp_snap_header {
    char magic[8];            /* FP_SNAP_MAGIC */
    uint32_t version;         /* FP_SNAP_VERSION */
    uint32_t header_size;     /* sizeof(struct fp_snap_header); sections follow */
    int32_t pid;
    uint32_t trigger;         /* enum fp_snap_trigger */
    uint64_t sequence;        /* %n: the process's snapshot number, from 1 */
    /* The clock base: CLOCK_MONOTONIC and CLOCK_REALTIME read together when
     * the snapshot was taken. Event times are CLOCK_MONOTONIC ns; wall time
     * of t is wall_ns + (t - mono_ns). */
    uint64_t mono_ns;
    uint64_t wall_ns;
    /* The window: oldest and newest event times in the file (monotonic ns;
     * both 0 when there are no events). */
    uint64_t window_start_ns;
    uint64_t window_end_ns;
    /* Crash trigger: the fatal signal, its si_code and fault address, and
     * the crashing thread. Exit triggers: exit_status. Otherwise 0. */
    int32_t signo;
    int32_t si_code;
    uint64_t fault_addr;
    int32_t crash_tid;
    int32_t exit_status;
    /* The recorder's configuration. */
    uint64_t recorder_size;   /* FLIGHTPROF_RECORDER_SIZE, bytes */
    uint64_t recorder_age_ns; /* FLIGHTPROF_RECORDER_AGE */
    /* Events never recorded because no buffer space could be claimed, and
     * events older than the age bound left out of this snapshot. */
    uint64_t events_dropped;
    uint64_t events_aged_out;
    /* Added after the first files were written (their header_size is
     * FP_SNAP_HEADER_MIN): the CPU samples' period in ns of thread CPU
     * time, 0 when no sampler ran. */
    uint64_t cpu_period_ns;
};

/* The header_size of files written before cpu_period_ns existed; readers
 * accept any multiple of 8 from here and use the fields it covers. */
#define FP_SNAP_HEADER_MIN 120u

enum fp_snap_section_kind {
    FP_SNAP_SEC_END = 0,      /* last section; size 0 */
    FP_SNAP_SEC_EXECUTABLE,   /* count 0; a NUL-terminated path, padded */
    FP_SNAP_SEC_CRASH_STACK,  /* count = depth; uint64_t pcs[count], leaf
                                 (exact faulting PC) first, then return
                                 addresses */
    FP_SNAP_SEC_MAPPINGS,     /* count mapping records */
    FP_SNAP_SEC_THREADS,      /* count struct fp_snap_thread */
    FP_SNAP_SEC_CHUNK,        /* struct fp_snap_chunk + count events */
};

struct fp_snap_section {
    uint32_t kind;  /* enum fp_snap_section_kind; readers skip unknown kinds */
    uint32_t count;
    uint64_t size;  /* bytes after this struct; a multiple of 8 */
};

/* A mapping record: this struct, then path_len bytes of path and
 * build_id_len bytes of build-id (lowercase hex), each NUL included, then
 * padding to 8 bytes. */
struct fp_snap_mapping {
    uint64_t start, limit; /* runtime addresses [start, limit) */
    uint64_t offset;       /* file offset of start */
    uint16_t path_len;     /* >= 1 */
    uint16_t build_id_len; /* >= 1 ("" when the file has none) */
    uint32_t reserved;
};

#define FP_SNAP_NAME_MAX 16 /* thread names, NUL included */

struct fp_snap_thread {
    int32_t tid;
    int32_t parent_tid;      /* 0 when unknown */
    uint64_t start_ns;       /* monotonic; 0 when unknown */
    uint64_t exit_ns;        /* monotonic; 0 while running */
    uint64_t start_routine;  /* address; 0 when unknown */
    uint64_t overwritten;    /* this thread's events lost to newer ones */
    char name[FP_SNAP_NAME_MAX]; /* NUL-terminated */
};

/* A buffer chunk: the events one thread recorded in it, oldest first. */
struct fp_snap_chunk {
    int32_t tid;
    uint32_t tag; /* every event in the chunk carries this tag */
};

enum fp_snap_event_kind {
    FP_EV_THREAD_START = 1, /* struct fp_ev_thread_start */
    FP_EV_THREAD_EXIT,      /* no payload */
    FP_EV_THREAD_NAME,      /* struct fp_ev_thread_name */
    FP_EV_ALLOC,            /* sub = enum fp_alloc_kind; struct fp_ev_alloc */
    FP_EV_REALLOC,          /* struct fp_ev_realloc */
    FP_EV_FREE,             /* struct fp_ev_free */
    FP_EV_MUNMAP,           /* struct fp_ev_alloc */
    FP_EV_LOCK_WAIT,        /* sub = enum fp_lock_kind; struct fp_ev_wait */
    FP_EV_WAIT,             /* sub = enum fp_wait_kind; struct fp_ev_wait */
    FP_EV_CPU_SAMPLE,       /* struct fp_ev_cpu_sample + pcs */
    FP_EV_FORK,             /* struct fp_ev_int: the child's pid */
    FP_EV_EXEC,             /* struct fp_ev_string: the path */
    FP_EV_EXIT,             /* struct fp_ev_int: the exit status */
    FP_EV_SIGNAL,           /* struct fp_ev_signal: a fatal signal */
    FP_EV_LOG,              /* struct fp_ev_log + category + message */
    FP_EV_REGION_BEGIN,     /* struct fp_ev_string: the region's name */
    FP_EV_REGION_END,       /* no payload: closes the innermost region */
    FP_EV_KIND_COUNT
};

/* An event kind's name, as `flightprof dump` prints it and the endpoint
 * labels its count: "thread-start", "alloc", "lock-wait"...; "?" for a
 * value out of range. */
const char *fp_snap_kind_name(unsigned kind);

/* Allocation entry points, for FP_EV_ALLOC's sub. The values are on disk:
 * append only (MALLOC = 0 ... MMAP = 9). */
enum fp_alloc_kind {
    FP_ALLOC_MALLOC,
    FP_ALLOC_CALLOC,
    FP_ALLOC_REALLOC,
    FP_ALLOC_REALLOCARRAY,
    FP_ALLOC_POSIX_MEMALIGN,
    FP_ALLOC_ALIGNED_ALLOC,
    FP_ALLOC_MEMALIGN,
    FP_ALLOC_VALLOC,
    FP_ALLOC_PVALLOC,
    FP_ALLOC_MMAP,
};
#define FP_SNAP_ALLOC_KINDS 10

/* Locks whose contention is recorded, for FP_EV_LOCK_WAIT's sub (MUTEX = 0,
 * RWLOCK_READ = 1, RWLOCK_WRITE = 2). */
enum fp_lock_kind {
    FP_LOCK_MUTEX,
    FP_LOCK_RWLOCK_READ,
    FP_LOCK_RWLOCK_WRITE,
};
#define FP_SNAP_LOCK_KINDS 3

/* Blocking calls, for FP_EV_WAIT. */
enum fp_wait_kind {
    FP_WAIT_COND,           /* pthread_cond_wait; object = the condvar */
    FP_WAIT_COND_TIMED,     /* pthread_cond_timedwait */
    FP_WAIT_COND_CLOCK,     /* pthread_cond_clockwait */
    FP_WAIT_JOIN,           /* pthread_join; object = the pthread_t */
    FP_WAIT_NANOSLEEP,
    FP_WAIT_CLOCK_NANOSLEEP,
    FP_WAIT_USLEEP,
    FP_WAIT_SLEEP,
    FP_WAIT_POLL,           /* object = number of fds */
    FP_WAIT_PPOLL,
    FP_WAIT_SELECT,         /* object = nfds */
    FP_WAIT_PSELECT,
    FP_WAIT_EPOLL_WAIT,     /* object = the epoll fd */
    FP_WAIT_EPOLL_PWAIT,
    FP_WAIT_SEM,            /* sem_wait; object = the semaphore */
    FP_WAIT_SEM_TIMED,      /* sem_timedwait */
    FP_WAIT_SEM_CLOCK,      /* sem_clockwait */
    FP_WAIT_BARRIER,        /* pthread_barrier_wait; object = the barrier */
    FP_WAIT_KIND_COUNT
};

/*
 * Every event starts with this header. `size` is the whole record, a
 * multiple of 8, at least 16 and at most FP_SNAP_EVENT_MAX. `time_ns` is
 * CLOCK_MONOTONIC when the event was recorded: for events with a duration
 * (lock and blocking waits) that is the end; they began wait_ns earlier.
 */
struct fp_snap_event {
    uint32_t tag;  /* the chunk's tag */
    uint8_t kind;  /* enum fp_snap_event_kind */
    uint8_t sub;
    uint16_t size;
    uint64_t time_ns;
};

#define FP_SNAP_EVENT_MAX 2048
#define FP_SNAP_STACK_MAX 128 /* frames in a CPU sample or crash stack */
#define FP_SNAP_LOG_CATEGORY_MAX 32  /* NUL included */
#define FP_SNAP_LOG_MESSAGE_MAX 256  /* NUL included */
#define FP_SNAP_STRING_MAX 256       /* exec paths, region names; NUL included */

struct fp_ev_thread_start {
    int32_t parent_tid;
    uint32_t reserved;
    uint64_t start_routine;
};

struct fp_ev_thread_name {
    int32_t tid; /* the renamed thread (may differ from the recording one) */
    uint32_t reserved;
    char name[FP_SNAP_NAME_MAX];
};

/* FP_EV_ALLOC: ptr, size, caller. FP_EV_MUNMAP: the unmapped range. */
struct fp_ev_alloc {
    uint64_t ptr;
    uint64_t size;
    uint64_t caller; /* return address into the allocating code */
};

struct fp_ev_realloc {
    uint64_t old_ptr;
    uint64_t new_ptr;
    uint64_t size;
    uint64_t caller;
};

struct fp_ev_free {
    uint64_t ptr;
    uint64_t caller;
};

struct fp_ev_wait {
    uint64_t object;  /* lock, condvar, thread, or as enum fp_wait_kind says */
    uint64_t wait_ns; /* blocked for this long, ending at time_ns */
    uint64_t caller;
};

struct fp_ev_cpu_sample {
    uint32_t depth; /* <= FP_SNAP_STACK_MAX; uint64_t pcs[depth] follow,
                       exact PC first, then return addresses */
    uint32_t reserved;
};

struct fp_ev_int {
    int64_t value;
};

/* len bytes follow, NUL included (len >= 1), then padding. */
struct fp_ev_string {
    uint16_t len;
    uint16_t reserved[3];
};

struct fp_ev_signal {
    int32_t signo;
    int32_t si_code;
    uint64_t addr; /* si_addr */
};

/* category_len then message_len bytes follow, each NUL included. */
struct fp_ev_log {
    uint16_t category_len;
    uint16_t message_len;
    uint32_t reserved;
};

_Static_assert(sizeof(struct fp_snap_header) == 128, "header layout");
_Static_assert(sizeof(struct fp_snap_section) == 16, "section layout");
_Static_assert(sizeof(struct fp_snap_mapping) == 32, "mapping layout");
_Static_assert(sizeof(struct fp_snap_thread) == 56, "thread layout");
_Static_assert(sizeof(struct fp_snap_event) == 16, "event layout");
_Static_assert(FP_ALLOC_MMAP + 1 == FP_SNAP_ALLOC_KINDS, "alloc kinds");
_Static_assert(FP_LOCK_RWLOCK_WRITE + 1 == FP_SNAP_LOCK_KINDS, "lock kinds");

#endif
