/* Output patterns: expansion, the descendant naming rule, and the glob the
 * CLI finds files with, checked as an inverse: every name a process
 * expands a pattern to must match the glob for that process, and no name
 * of another process may. */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <string.h>

#include "check.h"
#include "pattern.h"

static void expands(const char *pattern, const char *want)
{
    char out[PATH_MAX];

    CHECK(fp_pattern_expand(pattern, 42, 1700000000, 7, out, sizeof(out)) == 0);
    if (strcmp(out, want) != 0) {
        fprintf(stderr, "expand(%s) = %s, want %s\n", pattern, out, want);
        exit(1);
    }
}

static void test_expand(void)
{
    char small[8];

    expands("cpu.pb.gz", "cpu.pb.gz");
    expands("a.%p.%t.%n", "a.42.1700000000.7");
    expands("100%%", "100%");
    expands("%x%", "%x%"); /* unknown sequences and a trailing % are kept */
    CHECK(fp_pattern_expand("abcdefgh", 1, 0, 0, small, sizeof(small)) == -1 &&
          errno == ENAMETOOLONG);
}

static void test_own(void)
{
    char out[PATH_MAX];

    fp_pattern_own("x.snap", false, out, sizeof(out));
    CHECK(strcmp(out, "x.snap") == 0);
    fp_pattern_own("x.snap", true, out, sizeof(out));
    CHECK(strcmp(out, "x.snap.%p") == 0);
    fp_pattern_own("x.%p.snap", true, out, sizeof(out));
    CHECK(strcmp(out, "x.%p.snap") == 0);
    fp_pattern_own("x.snap", true, out, 8); /* no room for ".%p": as given */
    CHECK(strcmp(out, "x.snap") == 0);
}

/* The glob for (pattern, pid, descendant) matches what that process
 * writes and not what pid 43 writes. */
static void inverse(const char *pattern, bool descendant)
{
    char own[PATH_MAX], glob[PATH_MAX], name[PATH_MAX], other[PATH_MAX];

    CHECK(fp_pattern_glob(pattern, 42, descendant, glob, sizeof(glob)) == 0);
    fp_pattern_own(pattern, descendant, own, sizeof(own));
    for (uint64_t seq = 0; seq < 3; seq++) {
        CHECK(fp_pattern_expand(own, 42, 1700000000 + seq * 977, seq * 13, name,
                                sizeof(name)) == 0);
        if (fnmatch(glob, name, FNM_PATHNAME) != 0) {
            fprintf(stderr, "%s does not match %s\n", name, glob);
            exit(1);
        }
    }
    fp_pattern_own(pattern, true, own, sizeof(own));
    CHECK(fp_pattern_expand(own, 43, 1700000000, 1, other, sizeof(other)) == 0);
    CHECK(fnmatch(glob, other, FNM_PATHNAME) != 0);
}

static void test_glob(void)
{
    char glob[PATH_MAX];

    CHECK(fp_pattern_glob("/t/s.%t.%n", 42, false, glob, sizeof(glob)) == 0);
    CHECK(strcmp(glob, "/t/s.*.*") == 0);
    CHECK(fp_pattern_glob("/t/s", 42, true, glob, sizeof(glob)) == 0);
    CHECK(strcmp(glob, "/t/s.42") == 0);
    CHECK(fp_pattern_glob("/t/[a]*?\\%%", 42, false, glob, sizeof(glob)) == 0);
    CHECK(strcmp(glob, "/t/\\[a]\\*\\?\\\\%") == 0);
    inverse("/tmp/run-%p/snap.%n", false);
    inverse("/tmp/[weird]*/snap-%t.%n", true);
    inverse("/tmp/a%x/100%%-%n", true);
}

int main(void)
{
    test_expand();
    test_own();
    test_glob();
    return 0;
}
