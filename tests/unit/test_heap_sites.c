// links: src/sitetab.c src/unwind.c src/loaderlock.c src/threads.c src/libc.c src/interpose.c src/self.c
/* The site table: the same (stack, tag) finds the same site, counters add
 * up and are seen by foreach, a full table says so; and capture starts the
 * stack at the interposer's caller whatever our own frames were. */
#include <stdio.h>
#include <string.h>

#include "sitetab.h"
#include "threads.h"
#include "unwind.h"

static int failures;

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "FAIL %s\n", what);
        failures++;
    }
}

struct seen {
    int sites;
    int64_t total[FP_SITE_COUNTERS];
};

static void sum(void *arg, const uintptr_t *pcs, int depth, uint64_t tag,
                const int64_t counters[FP_SITE_COUNTERS])
{
    struct seen *s = arg;

    (void)pcs;
    (void)depth;
    (void)tag;
    s->sites++;
    for (int c = 0; c < FP_SITE_COUNTERS; c++)
        s->total[c] += counters[c];
}

static void test_table(void)
{
    struct fp_sitetab *tab = fp_sitetab_new(3, 100);
    uintptr_t a[3] = {0x1000, 0x2000, 0x3000}, b[2] = {0x1000, 0x2000};
    struct seen seen = {0};

    check(tab != NULL, "new");
    uint32_t s1 = fp_sitetab_get(tab, a, 3, 64);
    check(s1 != 0 && fp_sitetab_get(tab, a, 3, 64) == s1, "same site, same id");
    uint32_t s2 = fp_sitetab_get(tab, a, 3, 128);
    check(s2 != 0 && s2 != s1 && fp_sitetab_tag(tab, s2) == 128, "another tag, another site");
    uint32_t s3 = fp_sitetab_get(tab, b, 2, 64);
    check(s3 != 0 && s3 != s1 && s3 != s2, "a prefix is another site");
    check(fp_sitetab_get(tab, b, 1, 64) == 0, "a full table returns 0");
    fp_sitetab_count(tab, s1, 0, 5);
    fp_sitetab_count(tab, s1, 0, -2);
    fp_sitetab_count(tab, s3, 3, 7);
    fp_sitetab_foreach(tab, sum, &seen);
    check(seen.sites == 3 && seen.total[0] == 3 && seen.total[3] == 7, "foreach sees every count");
}

static uintptr_t expected_caller;

__attribute__((noinline)) static int capture_here(uintptr_t *pcs, const void *caller)
{
    return fp_sitetab_capture(FP_UNWIND_FRAME_POINTERS, caller, pcs, 16);
}

/* Plays the interposer: its return address is where the stack must
 * start, with capture_here's and the unwinder's frames dropped. */
__attribute__((noinline)) static int interposer(uintptr_t *pcs)
{
    expected_caller = (uintptr_t)__builtin_return_address(0);
    int n = capture_here(pcs, __builtin_return_address(0));
    __asm__ volatile("" ::: "memory"); /* no tail call: keep this frame */
    return n;
}

__attribute__((noinline)) static int program(uintptr_t *pcs)
{
    int n = interposer(pcs);
    __asm__ volatile("" ::: "memory");
    return n;
}

static void test_capture(void)
{
    uintptr_t pcs[16];

    fp_threads_register_self(0, NULL); /* stack bounds for the fp walk */
    int n = program(pcs);
    check(n >= 1, "capture returns a stack");
    /* pcs[0] is the return address into program(), right after the call. */
    check(n >= 2 && pcs[0] == expected_caller, "the stack starts at the interposer's caller");
}

int main(void)
{
    test_table();
    test_capture();
    if (failures)
        return 1;
    printf("ok\n");
    return 0;
}
