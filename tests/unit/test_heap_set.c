// links: src/profile/heapset.c src/core/libc.c src/core/interpose.c src/core/self.c
/* The sampled-block set: agreement with a reference model through growth
 * and tombstone purges, and lock-free lookups of each thread's own blocks
 * staying correct while other threads insert, remove and rebuild. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "heapset.h"

#define MODEL_N 20000
#define THREADS 4
#define ROUNDS 200000

static struct fp_heapset set;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic int failures;

static void fail(const char *what, unsigned long a)
{
    fprintf(stderr, "FAIL %s (%lu)\n", what, a);
    failures++;
}

static uintptr_t block(unsigned long i)
{
    return 0x7f0000000000ul + i * 16;
}

static void test_model(void)
{
    static uint32_t model[MODEL_N]; /* value or 0 */
    unsigned seed = 1;
    size_t live = 0;

    for (int step = 0; step < 400000; step++) {
        unsigned long i = (unsigned long)rand_r(&seed) % MODEL_N;
        if (model[i]) {
            if (fp_heapset_remove(&set, block(i)) != model[i])
                fail("remove returns the value", i);
            model[i] = 0;
            live--;
        } else if ((unsigned)rand_r(&seed) % 3) {
            model[i] = (uint32_t)i + 1;
            if (!fp_heapset_insert(&set, block(i), model[i]))
                fail("insert", i);
            live++;
        } else if (fp_heapset_remove(&set, block(i)) != 0) {
            fail("remove of an absent block", i);
        }
        if (step % 97 == 0) {
            unsigned long j = (unsigned long)rand_r(&seed) % MODEL_N;
            if (fp_heapset_contains(&set, block(j)) != (model[j] != 0))
                fail("contains agrees with the model", j);
        }
    }
    if (fp_heapset_live(&set) != live)
        fail("live count", fp_heapset_live(&set));
    for (unsigned long i = 0; i < MODEL_N; i++)
        if (model[i] && fp_heapset_remove(&set, block(i)) != model[i])
            fail("final remove", i);
    if (fp_heapset_live(&set) != 0)
        fail("empty at the end", fp_heapset_live(&set));
}

static void *churn(void *arg)
{
    unsigned long base = (unsigned long)(uintptr_t)arg * ROUNDS * 8;

    for (unsigned long r = 0; r < ROUNDS; r++) {
        /* keep a few blocks live for a while so the table grows */
        uintptr_t p = block(base + r), keep = block(base + ROUNDS + r % 5000);
        pthread_mutex_lock(&lock);
        fp_heapset_insert(&set, p, 7);
        if (r % 2 == 0 && r < ROUNDS / 2)
            fp_heapset_insert(&set, keep + (r / 5000) * 16 * 10000, 9);
        pthread_mutex_unlock(&lock);
        if (!fp_heapset_contains(&set, p))
            fail("own block visible without the lock", r);
        pthread_mutex_lock(&lock);
        uint32_t v = fp_heapset_remove(&set, p);
        pthread_mutex_unlock(&lock);
        if (v != 7)
            fail("own block removed with its value", r);
        if (fp_heapset_contains(&set, p))
            fail("removed block invisible", r);
    }
    return NULL;
}

int main(void)
{
    pthread_t threads[THREADS];

    if (fp_heapset_init(&set, 1u << 20) != 0) {
        perror("fp_heapset_init");
        return 1;
    }
    test_model();
    for (int i = 0; i < THREADS; i++)
        pthread_create(&threads[i], NULL, churn, (void *)(uintptr_t)(i + 1));
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    if (failures)
        return 1;
    printf("ok\n");
    return 0;
}
