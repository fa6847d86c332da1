/*
 * The chunk pool behind the flight recorder (see ring.h). Owns the pool
 * mapping, the chunk headers, the claim counter, the per-thread
 * overwritten counts and the calling thread's current chunk (TLS).
 *
 * A chunk's state word packs its tag (32 bits, changes at every claim), the
 * tid of the thread that claimed it and whether that thread still writes
 * it (ACTIVE) or gave it up (RETIRED). Only ACTIVE chunks' owners write;
 * only non-ACTIVE chunks are claimed, by compare-and-swap.
 *
 * Signal context: fp_ring_now_slow, fp_ring_clock_sample,
 * fp_ring_ticks_to_ns, fp_ring_reserve_slow, fp_ring_thread_exit,
 * fp_ring_copy_chunk, fp_ring_overwritten, fp_ring_dropped.
 */
#include "clock.h"
#include "libc.h"
#include "ring.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "self.h"

enum { CHUNK_FREE = 0, CHUNK_ACTIVE = 1, CHUNK_RETIRED = 2 };
#define STATE_KIND(s) ((unsigned)((s) & 3))
#define STATE_TID(s) ((int)(((s) >> 2) & 0x3fffffff))
#define STATE_TAG(s) ((uint32_t)((s) >> 32))

#define CHUNK_MIN (4u << 10)
#define CHUNK_MAX (64u << 10)
#define CHUNKS_WANTED 64 /* enough that one slow thread cannot pin the window */
#define STAT_SLOTS 8192  /* per-thread overwritten counts, by tid */

struct chunk {
    _Atomic uint64_t state;
    /* Events its owner wrote in it, stored when it retires the chunk (so
     * that a claim can count what it overwrites without reading it). */
    _Atomic uint32_t events;
    char pad[64 - sizeof(uint64_t) - sizeof(uint32_t)]; /* one cache line each */
};

/* Set once by fp_ring_init; read-only afterwards. */
static struct chunk *chunks;
static unsigned char *pool;
static size_t chunk_bytes, n_chunks;
bool fp_ring_use_tsc;
static struct fp_ring_clock base_clock;

/* Claims so far: the next claim looks at chunk (next_claim % n_chunks). */
static _Atomic uint64_t next_claim;
static _Atomic uint64_t dropped;

static struct {
    _Atomic int tid; /* 0 while free; claimed once by CAS */
    _Atomic uint64_t overwritten;
} stats[STAT_SLOTS];
static _Atomic uint64_t stats_overflow; /* tids that found no slot */

__thread struct fp_ring_thread fp_ring_self __attribute__((tls_model("initial-exec")));

/* ---- time --------------------------------------------------------------- */

uint64_t fp_ring_now_slow(void)
{
    return fp_clock_ns(CLOCK_MONOTONIC);
}

void fp_ring_clock_sample(struct fp_ring_clock *now)
{
    now->ticks = fp_ring_now();
    now->mono_ns = fp_clock_ns(CLOCK_MONOTONIC);
    now->wall_ns = fp_clock_ns(CLOCK_REALTIME);
    now->scale = 0;
    if (fp_ring_use_tsc && now->ticks > base_clock.ticks && now->mono_ns > base_clock.mono_ns)
        now->scale = ((unsigned __int128)(now->mono_ns - base_clock.mono_ns) << 64) /
                     (now->ticks - base_clock.ticks);
}

/* One multiplication per event: snapshots convert millions of them. */
uint64_t fp_ring_ticks_to_ns(const struct fp_ring_clock *now, uint64_t ticks)
{
    if (!fp_ring_use_tsc)
        return ticks;
    if (ticks >= base_clock.ticks)
        return base_clock.mono_ns +
               (uint64_t)(((unsigned __int128)(ticks - base_clock.ticks) * now->scale) >> 64);
    uint64_t back = (uint64_t)(((unsigned __int128)(base_clock.ticks - ticks) * now->scale) >> 64);
    return back < base_clock.mono_ns ? base_clock.mono_ns - back : 0;
}

/* The TSC is used only where the kernel uses it for CLOCK_MONOTONIC, which
 * it does only when the TSC is invariant and synchronised across CPUs. */
static bool kernel_trusts_tsc(void)
{
#if defined(__x86_64__)
    char buf[16] = "";
    int fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource",
                  O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    return n >= 3 && memcmp(buf, "tsc\n", 4) == 0;
#else
    return false;
#endif
}

/* ---- the pool ----------------------------------------------------------- */

static size_t pick_chunk_bytes(uint64_t total)
{
    size_t bytes = CHUNK_MAX;

    while (bytes > CHUNK_MIN && total / bytes < CHUNKS_WANTED)
        bytes /= 2;
    return bytes;
}

int fp_ring_init(uint64_t total_bytes)
{
    size_t bytes = pick_chunk_bytes(total_bytes);
    size_t n = total_bytes / bytes;

    if (n < 2) {
        errno = EINVAL;
        return -1;
    }
    void *headers = fp_libc_mmap(NULL, n * sizeof(struct chunk), PROT_READ | PROT_WRITE,
                                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (headers == MAP_FAILED)
        return -1;
    void *data = fp_libc_mmap(NULL, n * bytes, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (data == MAP_FAILED) {
        fp_libc_munmap(headers, n * sizeof(struct chunk));
        return -1;
    }
    fp_ring_use_tsc = kernel_trusts_tsc();
    fp_ring_clock_sample(&base_clock);
    chunks = headers;
    pool = data;
    chunk_bytes = bytes;
    n_chunks = n;
    return 0;
}

size_t fp_ring_chunk_bytes(void) { return chunk_bytes; }
size_t fp_ring_chunk_count(void) { return n_chunks; }
uint64_t fp_ring_dropped(void) { return atomic_load_explicit(&dropped, memory_order_relaxed); }

static unsigned char *data_of(const struct chunk *c)
{
    return pool + (size_t)(c - chunks) * chunk_bytes;
}

/* A bijection on 32 bits, so that the tags of successive claims look
 * unrelated: stale bytes are unlikely to pass for a current header. */
static uint32_t tag_of(uint64_t claim)
{
    uint32_t x = (uint32_t)claim * 0x9e3779b1u;

    x ^= x >> 15;
    x *= 0x85ebca77u;
    x ^= x >> 13;
    return x ? x : 0x5eed;
}

/* The size of the complete event at data[pos], or 0 if there is none
 * (unwritten, being written, or left from an earlier claim). The header is
 * loaded with acquire: once it is seen, the payload written before it is
 * visible too. */
static size_t event_at(const unsigned char *data, size_t pos, size_t limit, uint32_t tag)
{
    if (limit - pos < sizeof(struct fp_snap_event))
        return 0;
    uint64_t hdr = __atomic_load_n((const uint64_t *)(data + pos), __ATOMIC_ACQUIRE);
    size_t size = (size_t)(hdr >> 48);
    unsigned kind = (unsigned)(hdr >> 32) & 0xff;
    if ((uint32_t)hdr != tag || size < sizeof(struct fp_snap_event) || size % 8 ||
        size > limit - pos || kind == 0 || kind >= FP_EV_KIND_COUNT)
        return 0;
    return size;
}

static _Atomic uint64_t *overwritten_counter(int tid)
{
    size_t h = (size_t)tid * 2654435761u % STAT_SLOTS;

    for (size_t probe = 0; probe < STAT_SLOTS; probe++) {
        size_t i = (h + probe) % STAT_SLOTS;
        int seen = atomic_load_explicit(&stats[i].tid, memory_order_acquire);
        if (seen == 0 && atomic_compare_exchange_strong(&stats[i].tid, &seen, tid))
            return &stats[i].overwritten;
        if (seen == tid)
            return &stats[i].overwritten;
    }
    return &stats_overflow;
}

uint64_t fp_ring_overwritten_total(void)
{
    uint64_t n = atomic_load_explicit(&stats_overflow, memory_order_relaxed);

    for (size_t i = 0; i < STAT_SLOTS; i++)
        if (atomic_load_explicit(&stats[i].tid, memory_order_acquire))
            n += atomic_load_explicit(&stats[i].overwritten, memory_order_relaxed);
    return n;
}

uint64_t fp_ring_overwritten(int tid)
{
    size_t h = (size_t)tid * 2654435761u % STAT_SLOTS;

    for (size_t probe = 0; probe < STAT_SLOTS; probe++) {
        size_t i = (h + probe) % STAT_SLOTS;
        int seen = atomic_load_explicit(&stats[i].tid, memory_order_acquire);
        if (seen == tid)
            return atomic_load_explicit(&stats[i].overwritten, memory_order_relaxed);
        if (seen == 0)
            break;
    }
    return 0;
}

/* Counts the events a claim is about to overwrite against their thread. */
static void credit_overwritten(struct chunk *c, uint64_t old_state)
{
    uint32_t events = atomic_load_explicit(&c->events, memory_order_acquire);

    if (events)
        atomic_fetch_add_explicit(overwritten_counter(STATE_TID(old_state)), events,
                                  memory_order_relaxed);
}

/* Claims the next chunk in ring order that no thread is writing. */
static struct chunk *claim(int tid)
{
    for (size_t tries = 0; tries < n_chunks; tries++) {
        uint64_t n = atomic_fetch_add_explicit(&next_claim, 1, memory_order_relaxed);
        struct chunk *c = &chunks[n % n_chunks];
        uint64_t old = atomic_load_explicit(&c->state, memory_order_acquire);
        if (STATE_KIND(old) == CHUNK_ACTIVE)
            continue;
        uint64_t mine = (uint64_t)tag_of(n + 1) << 32 | (uint64_t)(tid & 0x3fffffff) << 2 |
                        CHUNK_ACTIVE;
        if (!atomic_compare_exchange_strong(&c->state, &old, mine))
            continue;
        if (STATE_KIND(old) == CHUNK_RETIRED)
            credit_overwritten(c, old);
        return c;
    }
    return NULL;
}

static void retire(struct chunk *c, uint32_t events)
{
    uint64_t s = atomic_load_explicit(&c->state, memory_order_relaxed);

    atomic_store_explicit(&c->events, events, memory_order_relaxed);
    atomic_store_explicit(&c->state, (s & ~3ull) | CHUNK_RETIRED, memory_order_release);
}

static void retire_writer(struct fp_ring_writer *w)
{
    if (w->data)
        retire(&chunks[w->chunk], w->events);
    w->data = NULL;
    w->pos = w->end = w->events = 0;
}

/* The writer's chunk is full (or it has none): claim another. Also the
 * path of events nested too deep, which are dropped. */
bool fp_ring_reserve_slow(struct fp_ring_writer *w, size_t size, struct fp_ring_slot *slot)
{
    struct chunk *c;

    if (!w || !chunks || size > chunk_bytes || !(c = claim(fp_self_tid()))) {
        atomic_fetch_add_explicit(&dropped, 1, memory_order_relaxed);
        if (w)
            fp_ring_self.depth--;
        return false;
    }
    retire_writer(w);
    w->chunk = (uint32_t)(c - chunks);
    w->tag = STATE_TAG(atomic_load_explicit(&c->state, memory_order_relaxed));
    w->end = (uint32_t)chunk_bytes;
    w->pos = (uint32_t)size;
    w->events = 1;
    w->data = data_of(c);
    slot->ev = (struct fp_snap_event *)w->data;
    slot->tag = w->tag;
    return true;
}

void fp_ring_thread_exit(void)
{
    retire_writer(&fp_ring_self.w[0]);
    retire_writer(&fp_ring_self.w[1]);
}

size_t fp_ring_copy_chunk(size_t i, void *buf, int *tid, uint32_t *tag)
{
    struct chunk *c = &chunks[i];
    uint64_t s = atomic_load_explicit(&c->state, memory_order_acquire);
    const unsigned char *data = data_of(c);
    unsigned char *out = buf;
    size_t pos = 0, size;

    if (STATE_KIND(s) == CHUNK_FREE)
        return 0;
    while ((size = event_at(data, pos, chunk_bytes, STATE_TAG(s)))) {
        memcpy(out + pos, data + pos, size);
        pos += size;
    }
    atomic_thread_fence(memory_order_acquire);
    if (STATE_TAG(atomic_load_explicit(&c->state, memory_order_relaxed)) != STATE_TAG(s))
        return 0; /* recycled while we copied */
    *tid = STATE_TID(s);
    *tag = STATE_TAG(s);
    return pos;
}

void fp_ring_after_fork_child(void)
{
    for (size_t i = 0; i < n_chunks; i++) {
        atomic_store(&chunks[i].state, CHUNK_FREE);
        atomic_store(&chunks[i].events, 0);
    }
    for (size_t i = 0; i < STAT_SLOTS; i++) {
        atomic_store(&stats[i].tid, 0);
        atomic_store(&stats[i].overwritten, 0);
    }
    atomic_store(&stats_overflow, 0);
    atomic_store(&dropped, 0);
    memset(&fp_ring_self, 0, sizeof(fp_ring_self));
    fp_ring_count_after_fork_child();
}
