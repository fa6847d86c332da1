// links: src/profile/stacktab.c src/base/mem.c src/core/libc.c src/core/interpose.c src/core/self.c
/* The stack table: merging, per-thread keys, weighted samples, lost
 * samples when full, reset in a fork child, and concurrent adders losing
 * nothing. */
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "stacktab.h"

struct totals {
    uint64_t samples, entries, for_tid7;
};

static void sum(void *arg, int tid, const uintptr_t *pcs, int depth, uint64_t count)
{
    struct totals *t = arg;

    (void)pcs;
    CHECK(depth > 0);
    t->samples += count;
    t->entries++;
    if (tid == 7)
        t->for_tid7 += count;
}

static void merges_equal_stacks(void)
{
    struct fp_stacktab *tab = fp_stacktab_new(64, 1024);
    uintptr_t a[3] = {1, 2, 3}, b[2] = {1, 2};
    struct totals t = {0};

    for (int i = 0; i < 10; i++)
        fp_stacktab_add(tab, 7, a, 3, 1);
    fp_stacktab_add(tab, 7, a, 3, 4); /* one signal worth four periods */
    fp_stacktab_add(tab, 8, a, 3, 1); /* same stack, other thread */
    fp_stacktab_add(tab, 7, b, 2, 1); /* prefix of a: a different stack */
    fp_stacktab_foreach(tab, NULL, sum, &t);
    CHECK(t.samples == 16);
    CHECK(t.entries == 3);
    CHECK(t.for_tid7 == 15);
    CHECK(fp_stacktab_lost(tab, NULL) == 0);
    fp_stacktab_reset(tab);
    t = (struct totals){0};
    fp_stacktab_foreach(tab, NULL, sum, &t);
    CHECK(t.samples == 0);
    fp_stacktab_free(tab);
}

static void counts_lost_samples_when_full(void)
{
    struct fp_stacktab *tab = fp_stacktab_new(4, 8); /* room for 4 stacks of 2 */
    struct totals t = {0};

    for (uintptr_t i = 1; i <= 10; i++) {
        uintptr_t pcs[2] = {i, i + 100};
        fp_stacktab_add(tab, 1, pcs, 2, 3);
    }
    fp_stacktab_foreach(tab, NULL, sum, &t);
    CHECK(t.samples + fp_stacktab_lost(tab, NULL) == 30); /* a lost sample loses its weight too */
    CHECK(fp_stacktab_lost(tab, NULL) >= 18);
    fp_stacktab_free(tab);
}

static struct fp_stacktab *shared;

static void *adder(void *arg)
{
    int tid = (int)(intptr_t)arg;

    for (uintptr_t i = 0; i < 200000; i++) {
        uintptr_t pcs[4] = {i % 50, 2, 3, 4};
        fp_stacktab_add(shared, tid % 2, pcs, 4, 1);
    }
    return NULL;
}

/* A fork child starts from an empty table with all its room back; the
 * parent's table, whose pages the child shared, keeps every sample. */
static void reset_in_fork_child_leaves_parent(void)
{
    struct fp_stacktab *tab = fp_stacktab_new(4, 8);
    struct totals t = {0};
    int status;

    for (uintptr_t i = 1; i <= 6; i++) {
        uintptr_t pcs[2] = {i, i + 100};
        fp_stacktab_add(tab, 1, pcs, 2, 1);
    }
    CHECK(fp_stacktab_lost(tab, NULL) == 2);
    pid_t pid = fork();
    if (pid == 0) {
        struct totals c = {0};
        fp_stacktab_reset(tab);
        fp_stacktab_foreach(tab, NULL, sum, &c);
        int ok = c.samples == 0 && fp_stacktab_lost(tab, NULL) == 0;
        for (uintptr_t i = 1; i <= 4; i++) {
            uintptr_t pcs[2] = {i + 10, i + 200};
            fp_stacktab_add(tab, 2, pcs, 2, 5);
        }
        c = (struct totals){0};
        fp_stacktab_foreach(tab, NULL, sum, &c);
        ok = ok && c.samples == 20 && c.entries == 4 && fp_stacktab_lost(tab, NULL) == 0;
        _exit(ok ? 0 : 1);
    }
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    fp_stacktab_foreach(tab, NULL, sum, &t);
    CHECK(t.samples == 4 && t.entries == 4 && fp_stacktab_lost(tab, NULL) == 2);
    fp_stacktab_free(tab);
}

static void concurrent_adders_lose_nothing(void)
{
    pthread_t threads[4];
    struct totals t = {0};

    shared = fp_stacktab_new(1024, 1 << 16);
    for (int i = 0; i < 4; i++)
        pthread_create(&threads[i], NULL, adder, (void *)(intptr_t)i);
    for (int i = 0; i < 4; i++)
        pthread_join(threads[i], NULL);
    fp_stacktab_foreach(shared, NULL, sum, &t);
    CHECK(t.samples == 800000);
    CHECK(fp_stacktab_lost(shared, NULL) == 0);
    CHECK(t.entries >= 100); /* 50 stacks x 2 threads, maybe a few duplicates */
    fp_stacktab_free(shared);
}

/* Two overlapping windows on one table each see exactly their samples,
 * new stacks and lost ones included. */
static void marks_take_counts_since(void)
{
    struct fp_stacktab *tab = fp_stacktab_new(4, 1024);
    uintptr_t a[1] = {1}, b[1] = {2}, c[1] = {3};
    struct fp_stacktab_mark first, second;
    struct totals t = {0};

    fp_stacktab_add(tab, 1, a, 1, 5);
    CHECK(fp_stacktab_mark(tab, &first) == 0);
    fp_stacktab_add(tab, 1, a, 1, 2);
    fp_stacktab_add(tab, 1, b, 1, 3);
    CHECK(fp_stacktab_mark(tab, &second) == 0);
    fp_stacktab_add(tab, 1, c, 1, 1);
    for (uintptr_t x = 10; x < 20; x++) /* the table is full: lost */
        fp_stacktab_add(tab, 1, &x, 1, 1);
    fp_stacktab_foreach(tab, &first, sum, &t);
    CHECK(t.entries == 4); /* a, b, c and the one x that found the last slot */
    CHECK(t.samples + fp_stacktab_lost(tab, &first) == 2 + 3 + 1 + 10);
    t = (struct totals){0};
    fp_stacktab_foreach(tab, &second, sum, &t);
    CHECK(t.entries == 2); /* a and b had nothing since */
    CHECK(t.samples + fp_stacktab_lost(tab, &second) == 1 + 10);
    CHECK(fp_stacktab_lost(tab, &second) == fp_stacktab_lost(tab, NULL));
    t = (struct totals){0};
    fp_stacktab_foreach(tab, NULL, sum, &t);
    CHECK(t.samples + fp_stacktab_lost(tab, NULL) == 5 + 2 + 3 + 1 + 10);
    fp_stacktab_mark_free(&first);
    fp_stacktab_mark_free(&second);
    CHECK(first.counts == NULL && first.n == 0);
    fp_stacktab_free(tab);
}

int main(void)
{
    marks_take_counts_since();
    merges_equal_stacks();
    counts_lost_samples_when_full();
    reset_in_fork_child_leaves_parent();
    concurrent_adders_lose_nothing();
    return 0;
}
