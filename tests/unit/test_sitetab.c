// links: src/profile/sitetab.c src/core/libc.c src/core/interpose.c src/core/self.c
/* The site table: the same (stack, tag) finds the same site, counters add
 * up and are seen by foreach, a full table says so. */
#include <stdio.h>

#include "sitetab.h"

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
    uint32_t last_id;
    int out_of_order;
    int64_t total[FP_SITE_COUNTERS];
};

static void sum(void *arg, uint32_t id, const uintptr_t *pcs, int depth, uint64_t tag,
                const int64_t counters[FP_SITE_COUNTERS])
{
    struct seen *s = arg;

    s->out_of_order += id != s->last_id + 1;
    s->last_id = id;
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
    check(seen.out_of_order == 0 && seen.last_id == 3, "foreach goes by id, from 1");
}

int main(void)
{
    test_table();
    if (failures)
        return 1;
    printf("ok\n");
    return 0;
}
