// links: src/recorder/ring.c src/recorder/ring_count.c src/core/libc.c src/core/interpose.c src/core/self.c
/* The recorder's chunk pool: events come back intact and in order; a full
 * pool recycles the oldest chunks and counts what it overwrote per thread;
 * writers (and a signal handler nesting inside a writer) racing with a
 * reader that copies chunks never give the reader a torn event, and the
 * counts by kind add up to every event written, never going back while
 * threads come and go. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ring.h"
#include "self.h"

#define CHECK(cond, ...)                                                  \
    do {                                                                  \
        if (!(cond)) {                                                    \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);          \
            fprintf(stderr, __VA_ARGS__);                                 \
            fprintf(stderr, "\n");                                        \
            exit(1);                                                      \
        }                                                                 \
    } while (0)

/* A test event: its payload words all repeat a sequence number and the
 * event's size varies with it, so a torn or misplaced event shows. */
#define WORDS_MAX 20

static int write_event(uint64_t seq)
{
    struct fp_ring_slot slot;
    size_t words = 1 + (seq & ~(1ull << 63)) % WORDS_MAX; /* top bit: handler event */
    size_t size = sizeof(struct fp_snap_event) + words * 8;

    if (!fp_ring_reserve(size, &slot))
        return -1;
    slot.ev->time_ns = fp_ring_now();
    uint64_t *p = (uint64_t *)(slot.ev + 1);
    for (size_t i = 0; i < words; i++)
        p[i] = seq;
    fp_ring_commit(&slot, FP_EV_LOG, 0, size);
    return 0;
}

/* Checks every event in a copied chunk; returns the number of events and
 * the last sequence number seen (which must grow within a chunk, except
 * for handler events, tagged with the top bit). */
static size_t check_chunk(const unsigned char *buf, size_t len, uint32_t tag, uint64_t *last)
{
    size_t pos = 0, n = 0;
    uint64_t prev = 0;

    while (pos < len) {
        const struct fp_snap_event *e = (const void *)(buf + pos);
        CHECK(e->tag == tag, "event tag %x in chunk %x", e->tag, tag);
        CHECK(e->kind == FP_EV_LOG, "kind %u", e->kind);
        CHECK(e->size >= 24 && e->size % 8 == 0 && e->size <= len - pos, "size %u", e->size);
        const uint64_t *p = (const void *)(e + 1);
        size_t words = (e->size - sizeof(*e)) / 8;
        CHECK(words == 1 + (p[0] & ~(1ull << 63)) % WORDS_MAX, "size %u does not match seq %llu",
              e->size, (unsigned long long)p[0]);
        for (size_t i = 1; i < words; i++)
            CHECK(p[i] == p[0], "torn event: word %zu is %llu, not %llu", i,
                  (unsigned long long)p[i], (unsigned long long)p[0]);
        if (!(p[0] >> 63)) {
            CHECK(n == 0 || p[0] > prev || prev >> 63, "sequence goes back: %llu after %llu",
                  (unsigned long long)p[0], (unsigned long long)prev);
            prev = p[0];
        }
        pos += e->size;
        n++;
    }
    *last = prev;
    return n;
}

static unsigned char copy[64 << 10];

/* One thread fills the pool several times over: the newest events stay,
 * the rest are counted as overwritten. */
static void test_single_thread(void)
{
    const uint64_t total = 20000;
    size_t kept = 0;
    uint64_t newest = 0;

    for (uint64_t seq = 1; seq <= total; seq++)
        CHECK(write_event(seq) == 0, "reserve failed at %llu", (unsigned long long)seq);
    for (size_t i = 0; i < fp_ring_chunk_count(); i++) {
        int tid;
        uint32_t tag;
        uint64_t last;
        size_t len = fp_ring_copy_chunk(i, copy, &tid, &tag);
        if (!len)
            continue;
        CHECK(tid == fp_self_tid(), "chunk of tid %d", tid);
        kept += check_chunk(copy, len, tag, &last);
        if (last > newest)
            newest = last;
    }
    uint64_t overwritten = fp_ring_overwritten(fp_self_tid());
    CHECK(newest == total, "newest event %llu, expected %llu", (unsigned long long)newest,
          (unsigned long long)total);
    CHECK(kept + overwritten == total, "kept %zu + overwritten %llu != %llu", kept,
          (unsigned long long)overwritten, (unsigned long long)total);
    CHECK(overwritten > 0 && kept > 0, "kept %zu overwritten %llu", kept,
          (unsigned long long)overwritten);
    fp_ring_thread_exit();
}

/* ---- writers, a nesting signal handler and a reader, all at once ---- */

static atomic_bool stop;
static _Atomic uint64_t handler_seq, written_ok;
static _Atomic uint64_t events_read, chunks_read;

static void on_signal(int sig)
{
    (void)sig;
    /* Nests inside whatever write_event the thread was doing. */
    if (write_event(atomic_fetch_add(&handler_seq, 1) | 1ull << 63) == 0)
        atomic_fetch_add(&written_ok, 1);
}

static void *writer(void *arg)
{
    sigset_t usr1;
    uint64_t ok = 0;

    (void)arg;
    fp_ring_count_join();
    for (uint64_t seq = 1; !atomic_load(&stop); seq++)
        ok += write_event(seq) == 0;
    /* A signal still on its way would write after the thread has left. */
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, NULL);
    atomic_fetch_add(&written_ok, ok);
    fp_ring_thread_exit();
    fp_ring_count_leave();
    return NULL;
}

static uint64_t log_events_counted(void)
{
    uint64_t n[FP_EV_KIND_COUNT];

    fp_ring_count_totals(n);
    return n[FP_EV_LOG];
}

static void *reader(void *arg)
{
    static unsigned char buf[64 << 10];

    (void)arg;
    for (uint64_t counted = 0; !atomic_load(&stop);) {
        uint64_t now = log_events_counted();
        CHECK(now >= counted, "the count went back from %llu to %llu",
              (unsigned long long)counted, (unsigned long long)now);
        counted = now;
        for (size_t i = 0; i < fp_ring_chunk_count(); i++) {
            int tid;
            uint32_t tag;
            uint64_t last;
            size_t len = fp_ring_copy_chunk(i, buf, &tid, &tag);
            if (len) {
                atomic_fetch_add(&events_read, check_chunk(buf, len, tag, &last));
                atomic_fetch_add(&chunks_read, 1);
            }
        }
    }
    return NULL;
}

static void test_concurrent(void)
{
    pthread_t writers[4], rd;
    struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
    struct timespec tick = {0, 50000};

    uint64_t counted_before = log_events_counted(); /* none: main never joined */

    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    for (int i = 0; i < 4; i++)
        pthread_create(&writers[i], NULL, writer, NULL);
    pthread_create(&rd, NULL, reader, NULL);
    for (int i = 0; i < 4000; i++) {
        pthread_kill(writers[i % 4], SIGUSR1);
        nanosleep(&tick, NULL);
    }
    atomic_store(&stop, true);
    for (int i = 0; i < 4; i++)
        pthread_join(writers[i], NULL);
    pthread_join(rd, NULL);
    CHECK(chunks_read > 100, "reader saw only %llu chunks", (unsigned long long)chunks_read);
    CHECK(log_events_counted() - counted_before == written_ok, "%llu events counted, %llu written",
          (unsigned long long)(log_events_counted() - counted_before), (unsigned long long)written_ok);
    printf("concurrent: %llu chunks, %llu events read intact; %llu handler events\n",
           (unsigned long long)chunks_read, (unsigned long long)events_read,
           (unsigned long long)handler_seq);
}

/* More threads than chunks: the ones that find every chunk taken drop
 * their events and say so, without blocking. */
static void *hold_one_chunk(void *arg)
{
    pthread_barrier_t *b = arg;

    write_event(1);
    pthread_barrier_wait(b);
    pthread_barrier_wait(b);
    fp_ring_thread_exit();
    return NULL;
}

static void test_exhausted(void)
{
    size_t n = fp_ring_chunk_count() + 4;
    pthread_t *t = calloc(n, sizeof(*t));
    pthread_barrier_t b;
    uint64_t before = fp_ring_dropped();

    pthread_barrier_init(&b, NULL, (unsigned)n + 1);
    for (size_t i = 0; i < n; i++)
        pthread_create(&t[i], NULL, hold_one_chunk, &b);
    pthread_barrier_wait(&b);
    CHECK(fp_ring_dropped() - before >= 4, "dropped %llu, expected at least 4",
          (unsigned long long)(fp_ring_dropped() - before));
    pthread_barrier_wait(&b);
    for (size_t i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    free(t);
    CHECK(write_event(1) == 0, "the pool did not recover once threads gave their chunks back");
}

int main(void)
{
    CHECK(fp_ring_init(64 << 10) == 0, "init failed");
    CHECK(fp_ring_chunk_bytes() == 4096 && fp_ring_chunk_count() == 16, "%zu chunks of %zu",
          fp_ring_chunk_count(), fp_ring_chunk_bytes());
    test_single_thread();
    test_concurrent();
    test_exhausted();

    /* Tick conversion is exact at the calibration points. */
    struct fp_ring_clock now;
    fp_ring_clock_sample(&now);
    uint64_t ns = fp_ring_ticks_to_ns(&now, now.ticks);
    CHECK(ns > now.mono_ns - 1000 && ns < now.mono_ns + 1000, "ticks convert to %llu, not %llu",
          (unsigned long long)ns, (unsigned long long)now.mono_ns);
    printf("ok\n");
    return 0;
}
