/*
 * The recorder's event counts by kind, for the endpoint's metrics. Owns
 * the list of counted threads (their fp_ring_self, linked through it),
 * the totals of the threads that have left it, and the lock over both.
 *
 * Counting is the recording thread's alone (fp_ring_commit, ring.h); the
 * lock is taken only when a thread starts or ends and when the totals are
 * read, so that a thread's counts move to the totals of threads gone in
 * one step that no reader sees half done, and a thread's memory is read
 * only while it is alive.
 *
 * Signal context: none.
 */
#include <pthread.h>
#include <string.h>

#include "libc.h"
#include "ring.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct fp_ring_thread *counted; /* the list's head */
static uint64_t gone[FP_EV_KIND_COUNT];

static uint64_t counts_of(const struct fp_ring_thread *t, unsigned kind)
{
    return __atomic_load_n(&t->counts[0][kind], __ATOMIC_RELAXED) +
           __atomic_load_n(&t->counts[1][kind], __ATOMIC_RELAXED);
}

void fp_ring_count_join(void)
{
    struct fp_ring_thread *self = &fp_ring_self;

    fp_libc_pthread_mutex_lock(&lock);
    self->prev = NULL;
    self->next = counted;
    if (counted)
        counted->prev = self;
    counted = self;
    pthread_mutex_unlock(&lock);
}

void fp_ring_count_leave(void)
{
    struct fp_ring_thread *self = &fp_ring_self;

    fp_libc_pthread_mutex_lock(&lock);
    for (unsigned k = 0; k < FP_EV_KIND_COUNT; k++)
        gone[k] += counts_of(self, k);
    memset(&self->counts, 0, sizeof(self->counts)); /* events after this count nowhere */
    if (self->prev)
        self->prev->next = self->next;
    else if (counted == self)
        counted = self->next;
    if (self->next)
        self->next->prev = self->prev;
    self->prev = self->next = NULL;
    pthread_mutex_unlock(&lock);
}

void fp_ring_count_totals(uint64_t out[FP_EV_KIND_COUNT])
{
    fp_libc_pthread_mutex_lock(&lock);
    for (unsigned k = 0; k < FP_EV_KIND_COUNT; k++) {
        out[k] = gone[k];
        for (const struct fp_ring_thread *t = counted; t; t = t->next)
            out[k] += counts_of(t, k);
    }
    pthread_mutex_unlock(&lock);
}

void fp_ring_count_after_fork_child(void)
{
    pthread_mutex_init(&lock, NULL);
    memset(gone, 0, sizeof(gone));
    counted = NULL;
    fp_ring_count_join();
}
