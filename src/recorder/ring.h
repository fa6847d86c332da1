/*
 * The flight recorder's event memory: a fixed pool of equal chunks carved
 * from one mapping of FLIGHTPROF_RECORDER_SIZE bytes. Each thread appends
 * events to the chunk it owns; when it is full the thread claims the chunk
 * claimed longest ago that no thread is writing (so the pool is a ring of
 * chunks, and events of exited threads stay until their chunk comes round).
 * Events lost that way are counted per thread.
 *
 * Writing is lock-free, wait-free on the fast path (no atomic
 * read-modify-write) and async-signal-safe: an event is reserved by moving
 * the thread's own cursor, filled in, and published by storing its header
 * last. A reader scans a chunk from its start, keeps the events whose
 * header carries the chunk's current tag, stops at the first that does
 * not (unwritten, half-written or older), and drops the copy if the chunk
 * was recycled meanwhile.
 *
 * Timestamps are "ticks" (the TSC where the kernel itself trusts it, else
 * CLOCK_MONOTONIC ns), converted to CLOCK_MONOTONIC ns by
 * fp_ring_ticks_to_ns when a snapshot is written.
 */
#ifndef FLIGHTPROF_RING_H
#define FLIGHTPROF_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapfmt.h"

/* Maps the pool. Not async-signal-safe; call once before recording.
 * Returns 0 or -1 with errno. */
int fp_ring_init(uint64_t total_bytes);

/* Bytes per chunk and number of chunks (0 before init). */
size_t fp_ring_chunk_bytes(void);
size_t fp_ring_chunk_count(void);

/* Set by fp_ring_init: timestamps are TSC ticks (else CLOCK_MONOTONIC ns). */
extern bool fp_ring_use_tsc;
uint64_t fp_ring_now_slow(void);

/* The current time in ticks. Async-signal-safe. */
static inline uint64_t fp_ring_now(void)
{
#if defined(__x86_64__)
    if (__builtin_expect(fp_ring_use_tsc, 1))
        return __builtin_ia32_rdtsc();
#endif
    return fp_ring_now_slow();
}

/*
 * Conversion of ticks to CLOCK_MONOTONIC ns, exact at the calibration
 * points: fp_ring_clock_sample takes a fresh point (ticks, mono and
 * realtime ns read together) which fp_ring_ticks_to_ns then uses with the
 * one taken at init. Async-signal-safe.
 */
struct fp_ring_clock {
    uint64_t ticks, mono_ns, wall_ns;
    unsigned __int128 scale; /* ns per tick since init, in 64.64 fixed point */
};
void fp_ring_clock_sample(struct fp_ring_clock *now);
uint64_t fp_ring_ticks_to_ns(const struct fp_ring_clock *now, uint64_t ticks);

/*
 * The calling thread's writing state. A thread writes its events with plain
 * (not atomic) stores into the chunk of writer w[0]; a signal handler that
 * interrupts it in the middle of an event (depth 1) writes into a second
 * chunk, w[1], so the two never share a cursor. Deeper nesting drops the
 * event. Owned by the thread (and its handlers, in LIFO order).
 */
struct fp_ring_writer {
    unsigned char *data;  /* current chunk's bytes; NULL before the first claim */
    uint32_t pos, end;    /* next free byte; chunk size */
    uint32_t tag;         /* the chunk's tag */
    uint32_t chunk;       /* its index */
    uint32_t events;      /* events reserved in it, told to the pool on retiring */
};
struct fp_ring_thread {
    unsigned depth;       /* events being written on this thread right now */
    struct fp_ring_writer w[2];
    /* Events committed, by kind, at depth 1 and 2: each row has one writer
     * at a time, so a relaxed load and store count without a locked
     * instruction, and other threads read them (fp_ring_count_totals). */
    uint64_t counts[2][FP_EV_KIND_COUNT];
    struct fp_ring_thread *prev, *next; /* on the list of counted threads */
};
extern __thread struct fp_ring_thread fp_ring_self __attribute__((tls_model("initial-exec")));

struct fp_ring_slot {
    struct fp_snap_event *ev;
    uint32_t tag;
};

bool fp_ring_reserve_slow(struct fp_ring_writer *w, size_t size, struct fp_ring_slot *slot);

/*
 * Reserves `size` bytes (a multiple of 8, <= FP_SNAP_EVENT_MAX) for an
 * event of the calling thread. Returns false when no chunk can be claimed
 * (the event is counted as dropped). Otherwise fill in everything after
 * the header, then call fp_ring_commit. Async-signal-safe.
 */
static inline bool fp_ring_reserve(size_t size, struct fp_ring_slot *slot)
{
    struct fp_ring_thread *t = &fp_ring_self;
    unsigned depth = t->depth;

    if (depth >= 2)
        return fp_ring_reserve_slow(NULL, size, slot);
    t->depth = depth + 1;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    struct fp_ring_writer *w = &t->w[depth];
    if (__builtin_expect(w->end - w->pos >= size, 1)) {
        slot->ev = (struct fp_snap_event *)(w->data + w->pos);
        slot->tag = w->tag;
        w->pos += (uint32_t)size;
        w->events++;
        return true;
    }
    return fp_ring_reserve_slow(w, size, slot);
}

/* Publishes a reserved event: its header is written last, atomically. */
static inline void fp_ring_commit(const struct fp_ring_slot *slot, unsigned kind, unsigned sub,
                                  size_t size)
{
    uint64_t word = (uint64_t)slot->tag | (uint64_t)(kind & 0xff) << 32 |
                    (uint64_t)(sub & 0xff) << 40 | (uint64_t)size << 48;

    __atomic_store_n((uint64_t *)slot->ev, word, __ATOMIC_RELEASE);
    if (kind < FP_EV_KIND_COUNT) { /* always: callers pass FP_EV_* */
        uint64_t *n = &fp_ring_self.counts[fp_ring_self.depth - 1][kind];
        __atomic_store_n(n, __atomic_load_n(n, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
    }
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    fp_ring_self.depth--;
}

/* The calling thread gives up its chunk (it keeps its events). Called when
 * a thread exits. Async-signal-safe. */
void fp_ring_thread_exit(void);

/*
 * Events recorded by kind (ring_count.c). A thread's counts are read
 * from its own memory while it is on the list (from fp_ring_count_join,
 * at its start, to fp_ring_count_leave, at its end, which adds them to
 * the totals of threads gone), so a total never goes back. Threads that
 * existed before flightprof loaded, on which no hook runs, other than the
 * main thread, are not counted. None of these is for signal handlers.
 */
void fp_ring_count_join(void);
void fp_ring_count_leave(void);
/* out[kind] for every FP_EV_* kind: all events recorded so far. */
void fp_ring_count_totals(uint64_t out[FP_EV_KIND_COUNT]);
/* In a fork child, whose only thread is the caller: its counts and the
 * totals start at 0 (the child's window is new as well). */
void fp_ring_count_after_fork_child(void);

/*
 * Copies the complete events of chunk `i` into `buf` (fp_ring_chunk_bytes()
 * bytes). Returns the number of bytes copied, 0 when the chunk is unused,
 * holds no complete event or was recycled during the copy. `*tid` and
 * `*tag` describe the copied chunk. Async-signal-safe.
 */
size_t fp_ring_copy_chunk(size_t i, void *buf, int *tid, uint32_t *tag);

/* Events of thread `tid` lost to newer ones so far. Async-signal-safe. */
uint64_t fp_ring_overwritten(int tid);

/* Events of every thread lost to newer ones so far. */
uint64_t fp_ring_overwritten_total(void);

/* Events never recorded because no chunk was free. Async-signal-safe. */
uint64_t fp_ring_dropped(void);

/* In a fork child: every chunk belonged to a thread the child does not
 * have; start an empty pool. */
void fp_ring_after_fork_child(void);

#endif
