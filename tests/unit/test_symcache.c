// links: src/output/symcache.c src/base/hashidx.c src/base/array.c src/base/outfile.c src/common/log_stderr.c
/* The symbol cache on disk: entries survive a close and a reopen exactly,
 * later closes append, the first entry for an offset wins, every kind of
 * damage costs only the damaged entries (or the file, when its header is
 * not ours), put refuses what it could not read back, and caching off,
 * bad build-ids and an unwritable directory fail quietly. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "hash.h"
#include "symcache.h"

#define BUF_SIZE (1 << 16)

static char cache_dir[PATH_MAX];

/* ---- helpers ---------------------------------------------------------- */

static void cache_path(const char *build_id, char *out)
{
    CHECK(snprintf(out, PATH_MAX, "%s/%s.sym", cache_dir, build_id) < PATH_MAX);
}

/* The header the cache writes for `build_id`; the ids used here have no
 * separate debug file, so the debug identity is "-". */
static void header_of(const char *build_id, char *out, size_t len)
{
    char debug[PATH_MAX];
    struct stat st;

    snprintf(debug, sizeof(debug), "/usr/lib/debug/.build-id/%.2s/%s.debug", build_id,
             build_id + 2);
    CHECK(stat(debug, &st) != 0);
    snprintf(out, len, "flightprof-symcache 1 %s -\n", build_id);
}

/* The whole file (NUL-terminated) and its size in *size, or NULL. */
static char *slurp(const char *path, size_t *size)
{
    static char buf[BUF_SIZE];
    int fd = open(path, O_RDONLY);

    if (fd < 0)
        return NULL;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    CHECK(n >= 0 && n < (ssize_t)sizeof(buf) - 1);
    buf[n] = '\0';
    *size = (size_t)n;
    return buf;
}

static void spit(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    CHECK(fd >= 0);
    CHECK(write(fd, data, len) == (ssize_t)len);
    CHECK(close(fd) == 0);
}

static off_t size_of(const char *path)
{
    struct stat st;

    CHECK(stat(path, &st) == 0);
    return st.st_size;
}

static int count_lines(const char *s)
{
    int n = 0;

    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Appends `content` to buf as an entry line with a valid check, so the
 * reader judges the content rather than the checksum. */
static void add_line(char *buf, const char *content)
{
    size_t len = strlen(buf);
    uint64_t check = fp_hash_bytes(FP_HASH_SEED, content, strlen(content));

    CHECK(snprintf(buf + len, BUF_SIZE - len, "%s\t%" PRIx64 "\n", content, check) <
          (int)(BUF_SIZE - len));
}

static struct fp_frame frame(const char *function, const char *file, int64_t line)
{
    return (struct fp_frame){function, function, file, line > 0 ? line - 1 : 0, line};
}

/* Puts one single-frame entry named after its offset ("f<hex>"). */
static void put_named(struct fp_symcache *c, uint64_t offset)
{
    char name[32];

    snprintf(name, sizeof(name), "f%" PRIx64, offset);
    struct fp_frame f = frame(name, "/src/x.c", (int64_t)offset % 1000 + 1);
    fp_symcache_put(c, offset, &f, 1, 0);
}

/* Whether the cache has put_named's entry for `offset`. */
static bool has_named(const struct fp_symcache *c, uint64_t offset)
{
    struct fp_frame f[FP_SYMCACHE_MAX_FRAMES];
    unsigned flags = 99;
    char name[32];
    int n = fp_symcache_get(c, offset, f, FP_SYMCACHE_MAX_FRAMES, &flags);

    if (n < 0)
        return false;
    snprintf(name, sizeof(name), "f%" PRIx64, offset);
    CHECK(n == 1 && flags == 0);
    CHECK(strcmp(f[0].function, name) == 0 && strcmp(f[0].system_name, name) == 0);
    CHECK(strcmp(f[0].file, "/src/x.c") == 0);
    CHECK(f[0].line == (int64_t)offset % 1000 + 1 && f[0].start_line == f[0].line - 1);
    return true;
}

/* Writes a cache for `build_id` with put_named's entries for offsets 1, 2
 * and 3 through the API and returns its text (header included). */
static char *make_three(const char *build_id, size_t *size)
{
    char path[PATH_MAX];
    struct fp_symcache *c = fp_symcache_open(build_id);

    CHECK(c != NULL);
    for (uint64_t off = 1; off <= 3; off++)
        put_named(c, off);
    fp_symcache_close(c);
    cache_path(build_id, path);
    char *text = slurp(path, size);
    CHECK(text && count_lines(text) == 4);
    return text;
}

/* Opens `build_id` and checks which of offsets 1, 2, 3 it has (a bit
 * each); returns the open cache. */
static struct fp_symcache *open_expecting(const char *build_id, unsigned present)
{
    struct fp_symcache *c = fp_symcache_open(build_id);

    CHECK(c != NULL);
    for (uint64_t off = 1; off <= 3; off++)
        CHECK(has_named(c, off) == ((present >> (off - 1)) & 1));
    return c;
}

/* ---- tests ------------------------------------------------------------ */

static void round_trip(void)
{
    const char *id = "feed0001";
    char path[PATH_MAX], header[256];
    struct fp_frame two[2] = {
        /* inlined into outer(), so it comes first */
        {"ns::inner", "_ZN2ns5innerEv", "/src/inner.h", 10, 12},
        {"outer", "outer", "/src/outer.c", 20, 25},
    };
    struct fp_frame nofile = {"stripped", "stripped", "", 0, 0};
    struct fp_frame f[FP_SYMCACHE_MAX_FRAMES];
    struct stat st;
    unsigned flags;

    cache_path(id, path);
    CHECK(stat(cache_dir, &st) != 0); /* created by the first write */
    struct fp_symcache *c = fp_symcache_open(id);
    CHECK(c != NULL);
    CHECK(fp_symcache_get(c, 0x1000, f, FP_SYMCACHE_MAX_FRAMES, &flags) == -1);
    fp_symcache_put(c, 0x1000, two, 2, FP_SYMCACHE_DWARF);
    fp_symcache_put(c, 0x2000, NULL, 0, 0); /* nothing known there */
    fp_symcache_put(c, UINT64_MAX, &nofile, 1, 0x10);
    CHECK(stat(path, &st) != 0); /* nothing is written before close */
    errno = EDOM;
    fp_symcache_close(c);
    CHECK(errno == EDOM);

    CHECK(stat(cache_dir, &st) == 0 && S_ISDIR(st.st_mode));
    CHECK((st.st_mode & 0777) == 0700);
    size_t size;
    char *text = slurp(path, &size);
    CHECK(text != NULL && count_lines(text) == 4);
    header_of(id, header, sizeof(header));
    CHECK(strncmp(text, header, strlen(header)) == 0);

    c = fp_symcache_open(id);
    CHECK(c != NULL);
    flags = 0;
    CHECK(fp_symcache_get(c, 0x1000, f, FP_SYMCACHE_MAX_FRAMES, &flags) == 2);
    CHECK(flags == FP_SYMCACHE_DWARF);
    for (int i = 0; i < 2; i++) {
        CHECK(strcmp(f[i].function, two[i].function) == 0);
        CHECK(strcmp(f[i].system_name, two[i].system_name) == 0);
        CHECK(strcmp(f[i].file, two[i].file) == 0);
        CHECK(f[i].start_line == two[i].start_line && f[i].line == two[i].line);
    }
    flags = 99;
    CHECK(fp_symcache_get(c, 0x2000, f, FP_SYMCACHE_MAX_FRAMES, &flags) == 0);
    CHECK(flags == 0);
    CHECK(fp_symcache_get(c, 0x2000, NULL, 0, &flags) == 0);
    CHECK(fp_symcache_get(c, UINT64_MAX, f, FP_SYMCACHE_MAX_FRAMES, &flags) == 1);
    CHECK(flags == 0x10 && strcmp(f[0].function, "stripped") == 0 && f[0].file[0] == '\0');
    CHECK(f[0].line == 0 && f[0].start_line == 0);
    /* Absent offsets, including neighbours of present ones. */
    CHECK(fp_symcache_get(c, 0x3000, f, FP_SYMCACHE_MAX_FRAMES, &flags) == -1);
    CHECK(fp_symcache_get(c, 0x1001, f, FP_SYMCACHE_MAX_FRAMES, &flags) == -1);
    CHECK(fp_symcache_get(c, 0, f, FP_SYMCACHE_MAX_FRAMES, &flags) == -1);
    /* max truncates from the innermost frame on. */
    memset(f, 0, sizeof(f));
    CHECK(fp_symcache_get(c, 0x1000, f, 1, &flags) == 1);
    CHECK(strcmp(f[0].function, "ns::inner") == 0 && f[1].function == NULL);
    CHECK(fp_symcache_get(c, 0x1000, f, 0, &flags) == 0);
    CHECK(fp_symcache_get(c, 0x1000, f, -1, &flags) == 0);
    /* A close with nothing new leaves the file alone. */
    fp_symcache_close(c);
    size_t size2;
    CHECK(slurp(path, &size2) != NULL && size2 == size);
}

/* A cache whose only entries have no frames: nothing to copy on a get. */
static void only_empty_entries(void)
{
    const char *id = "feed0002";
    struct fp_frame f[1];
    unsigned flags = 99;
    struct fp_symcache *c = fp_symcache_open(id);

    CHECK(c != NULL);
    fp_symcache_put(c, 7, NULL, 0, 0);
    fp_symcache_close(c);
    c = fp_symcache_open(id);
    CHECK(c != NULL);
    CHECK(fp_symcache_get(c, 7, f, 1, &flags) == 0 && flags == 0);
    CHECK(fp_symcache_get(c, 7, NULL, 0, &flags) == 0);
    CHECK(fp_symcache_get(c, 8, NULL, 0, &flags) == -1);
    fp_symcache_close(c);
}

static void appends_and_first_wins(void)
{
    const char *id = "feed0003";
    char path[PATH_MAX], first[BUF_SIZE];
    struct fp_frame f[FP_SYMCACHE_MAX_FRAMES], other = frame("other", "/src/y.c", 5);
    unsigned flags;
    size_t size1, size2;

    cache_path(id, path);
    struct fp_symcache *c = fp_symcache_open(id);
    CHECK(c != NULL);
    put_named(c, 1);
    put_named(c, 2);
    fp_symcache_put(c, 2, &other, 1, 0); /* the same offset twice in one close */
    fp_symcache_close(c);
    strcpy(first, slurp(path, &size1));

    c = open_expecting(id, 0x3);
    put_named(c, 3);
    fp_symcache_put(c, 1, &other, 1, 0); /* already in the file */
    fp_symcache_close(c);
    char *text = slurp(path, &size2);
    CHECK(size2 > size1 && memcmp(text, first, size1) == 0); /* appended, not rewritten */
    CHECK(count_lines(text) == 6);

    c = open_expecting(id, 0x7);
    CHECK(fp_symcache_get(c, 1, f, FP_SYMCACHE_MAX_FRAMES, &flags) == 1);
    CHECK(strcmp(f[0].function, "f1") == 0);
    fp_symcache_close(c);
}

/* A bit flipped in an entry costs that entry; the others survive. */
static void bit_flips(void)
{
    const char *id = "feed0004";
    char path[PATH_MAX], good[BUF_SIZE], bad[BUF_SIZE];
    size_t size;

    cache_path(id, path);
    strcpy(good, make_three(id, &size));
    char *line2 = strstr(good, "\n2\t") + 1;
    size_t at[] = {
        (size_t)(line2 - good),                     /* the offset */
        (size_t)(strstr(line2, "f2") - good) + 1,   /* the function name */
        (size_t)(strchr(line2, '\n') - good) - 1,   /* the check */
    };
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        for (int bit = 0; bit < 8; bit++) {
            char was = good[at[i]];
            if (i == 2 && bit == 5 && was >= 'a' && was <= 'f')
                continue; /* "A" is the same hex digit as "a" */
            memcpy(bad, good, size);
            bad[at[i]] = (char)(was ^ (1 << bit));
            spit(path, bad, size);
            fp_symcache_close(open_expecting(id, 0x5));
        }
    }
}

/* The last line torn by a writer that died is ignored, and the next
 * writer starts a new line after it. */
static void torn_tail(void)
{
    const char *id = "feed0005";
    char path[PATH_MAX], text[BUF_SIZE];
    size_t size;

    cache_path(id, path);
    strcpy(text, make_three(id, &size));
    for (size_t cut = 1; cut < 8; cut++) {
        spit(path, text, size - cut); /* the check of entry 3 torn */
        fp_symcache_close(open_expecting(id, 0x3));
    }
    size_t torn = (size_t)(strstr(text, "\n3\t") - text) + 4;
    spit(path, text, torn); /* only "3\t" left of entry 3 */
    struct fp_symcache *c = open_expecting(id, 0x3);
    put_named(c, 4);
    fp_symcache_close(c);
    size_t after;
    char *now = slurp(path, &after);
    CHECK(after > torn && memcmp(now, text, torn) == 0);
    c = open_expecting(id, 0x3);
    CHECK(has_named(c, 4));
    fp_symcache_close(c);
}

/* Lines that are not entries at all, between valid ones. */
static void garbage_lines(void)
{
    const char *id = "feed0006";
    char path[PATH_MAX], text[BUF_SIZE], header[256];
    static const char garbage[] =
        "garbage\n"
        "\n"
        "\t\t\t\n"
        "\t\n"
        "1\t0\t0\n"
        "5\t0\t0\t0\n"
        "5\t0\t0\tzz\n"
        "\x01\x02\x7f\xff\tx\n"
        "flightprof-symcache 1 feed0006 -\n";

    cache_path(id, path);
    header_of(id, header, sizeof(header));
    snprintf(text, sizeof(text), "%s", header);
    add_line(text, "1\t0\t1\tf1\tf1\t/src/x.c\t1\t2");
    strcat(text, garbage);
    size_t len = strlen(text);
    text[len++] = '\0'; /* a NUL byte inside a line, too */
    text[len] = '\0';
    strcat(text + len, "nul\n");
    len += strlen(text + len);
    char *end = text + len;
    *end = '\0';
    add_line(end, "3\t0\t1\tf3\tf3\t/src/x.c\t3\t4");
    len += strlen(end);
    spit(path, text, len);
    struct fp_symcache *c = open_expecting(id, 0x5);
    put_named(c, 2); /* still our file: appended */
    fp_symcache_close(c);
    CHECK(size_of(path) > (off_t)len);
    fp_symcache_close(open_expecting(id, 0x7));
}

/* A file whose header is not ours (another version or build-id, another
 * debug file, torn, empty) is ignored, kept while nothing is to be
 * written, and replaced on the next close that writes. */
static void foreign_headers(void)
{
    const char *id = "feed0007";
    char path[PATH_MAX], good[BUF_SIZE], bad[BUF_SIZE];
    size_t size, now;
    const char *headers[] = {
        "flightprof-symcache 2 feed0007 -\n",
        "flightprof-symcache 1 feed0008 -\n",
        "flightprof-symcache 1 feed0007 123.456.000000789\n",
        "flightprof-symcache 1 feed0007 -",
        "flightprof-symcache 1 feed0007 -\r\n",
        "FLIGHTPROF-SYMCACHE 1 feed0007 -\n",
        "",
    };

    cache_path(id, path);
    strcpy(good, make_three(id, &size));
    const char *body = strchr(good, '\n') + 1;
    for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        snprintf(bad, sizeof(bad), "%s%s", headers[i], i + 1 < sizeof(headers) / sizeof(headers[0]) ? body : "");
        spit(path, bad, strlen(bad));
        fp_symcache_close(open_expecting(id, 0));
        char *kept = slurp(path, &now);
        CHECK(kept && now == strlen(bad) && memcmp(kept, bad, now) == 0);
        struct fp_symcache *c = open_expecting(id, 0);
        put_named(c, 2);
        fp_symcache_close(c);
        char *text = slurp(path, &now);
        CHECK(text && count_lines(text) == 2 && strncmp(text, good, strchr(good, '\n') - good + 1) == 0);
        fp_symcache_close(open_expecting(id, 0x2));
    }
    /* A file that is only the header is valid and empty: appended to. */
    spit(path, good, (size_t)(strchr(good, '\n') - good) + 1);
    struct fp_symcache *c = open_expecting(id, 0);
    put_named(c, 1);
    fp_symcache_close(c);
    fp_symcache_close(open_expecting(id, 0x1));
}

/* A directory where the file should be: nothing to read, nothing
 * written, no harm. */
static void directory_in_the_way(void)
{
    const char *id = "feed0009";
    char path[PATH_MAX];
    struct stat st;

    cache_path(id, path);
    CHECK(mkdir(path, 0700) == 0);
    struct fp_symcache *c = open_expecting(id, 0);
    put_named(c, 1);
    errno = EDOM;
    fp_symcache_close(c);
    CHECK(errno == EDOM);
    CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
    CHECK(rmdir(path) == 0);
}

/* Lines whose check verifies but whose fields do not parse. */
static void bad_fields(void)
{
    const char *id = "feed000a";
    char path[PATH_MAX], header[256];
    static char text[BUF_SIZE], line[BUF_SIZE];
    static const char *const bad[] = {
        /* field counts */
        "10\t0\t1\tf\tf\t/x.c\t1\t2\textra",
        "11\t0\t1\tf\tf\t/x.c\t1",
        "12\t0\t2\tf\tf\t/x.c\t1\t2",
        "13\t0\t0\textra",
        "14\t0",
        "15",
        "",
        /* numbers */
        "xyz\t0\t0",
        "\t0\t0",
        "16\t\t0",
        "17\t0\t",
        "-18\t0\t0",
        "+19\t0\t0",
        " 1a\t0\t0",
        "1b \t0\t0",
        "1c\tzz\t0",
        "1d\t-1\t0",
        "1e\t0\t-1",
        "1f\t0\t+0",
        "20\t0\t0x0",
        "21\t0\t1a\tf\tf\t/x.c\t1\t2",
        "22\t0\t18446744073709551616",
        "23\t0\t18446744073709551617\tf\tf\t/x.c\t1\t2",
        "10000000000000000\t0\t0",
        "24\t0\t1\tf\tf\t/x.c\tabc\t2",
        "25\t0\t1\tf\tf\t/x.c\t1\t-2",
        "26\t0\t1\tf\tf\t/x.c\t\t2",
        "27\t0\t1\tf\tf\t/x.c\t1\t",
        "28\t0\t1\tf\tf\t/x.c\t1\t9223372036854775808",
        "29\t0\t1\tf\tf\t/x.c\t99999999999999999999\t2",
        "2a\t0\t1\tf\tf\t/x.c\t1\t0x2",
        /* an empty function name */
        "2b\t0\t1\t\tf\t/x.c\t1\t2",
    };

    cache_path(id, path);
    header_of(id, header, sizeof(header));
    snprintf(text, sizeof(text), "%s", header);
    add_line(text, "1\t0\t1\tf1\tf1\t/src/x.c\t1\t2");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        add_line(text, bad[i]);
    /* n one over the limit, with all its fields */
    int len = snprintf(line, sizeof(line), "2c\t0\t%d", FP_SYMCACHE_MAX_FRAMES + 1);
    for (int i = 0; i <= FP_SYMCACHE_MAX_FRAMES; i++)
        len += snprintf(line + len, sizeof(line) - (size_t)len, "\tg%d\tg%d\t/g.c\t%d\t%d", i, i, i, i + 1);
    add_line(text, line);
    /* n at the limit, but more fields than any entry has */
    len = snprintf(line, sizeof(line), "2d\t0\t%d", FP_SYMCACHE_MAX_FRAMES);
    for (int i = 0; i < FP_SYMCACHE_MAX_FRAMES + 10; i++)
        len += snprintf(line + len, sizeof(line) - (size_t)len, "\tg%d\tg%d\t/g.c\t%d\t%d", i, i, i, i + 1);
    add_line(text, line);
    /* n at the limit, exactly right: kept */
    len = snprintf(line, sizeof(line), "2e\t1\t%d", FP_SYMCACHE_MAX_FRAMES);
    for (int i = 0; i < FP_SYMCACHE_MAX_FRAMES; i++)
        len += snprintf(line + len, sizeof(line) - (size_t)len, "\tg%d\tg%d\t/g.c\t%d\t%d", i, i, i, i + 1);
    add_line(text, line);
    add_line(text, "3\t0\t1\tf3\tf3\t/src/x.c\t3\t4");
    spit(path, text, strlen(text));

    struct fp_symcache *c = open_expecting(id, 0x5);
    struct fp_frame f[FP_SYMCACHE_MAX_FRAMES];
    unsigned flags;
    for (uint64_t off = 0x10; off <= 0x2d; off++)
        CHECK(fp_symcache_get(c, off, f, FP_SYMCACHE_MAX_FRAMES, &flags) == -1);
    CHECK(fp_symcache_get(c, UINT64_MAX, f, FP_SYMCACHE_MAX_FRAMES, &flags) == -1);
    CHECK(fp_symcache_get(c, 0x2e, f, FP_SYMCACHE_MAX_FRAMES, &flags) == FP_SYMCACHE_MAX_FRAMES);
    CHECK(flags == 1 && strcmp(f[63].function, "g63") == 0 && f[63].line == 64);
    fp_symcache_close(c);
}

/* What put cannot write so that it reads back is not written. */
static void put_refuses(void)
{
    const char *id = "feed000b";
    char path[PATH_MAX];
    struct fp_frame many[FP_SYMCACHE_MAX_FRAMES + 1];
    struct fp_frame bad[] = {
        {"tab\there", "x", "/x.c", 1, 2},
        {"nl\nhere", "x", "/x.c", 1, 2},
        {"x", "tab\there", "/x.c", 1, 2},
        {"x", "nl\nhere", "/x.c", 1, 2},
        {"x", "x", "/x\t.c", 1, 2},
        {"x", "x", "/x\n.c", 1, 2},
        {"x", "x", "/x.c", -1, 2},
        {"x", "x", "/x.c", 1, -2},
        {"x", "x", "/x.c", INT64_MIN, 2},
        {"", "x", "/x.c", 1, 2},
        {NULL, "x", "/x.c", 1, 2},
        {"x", NULL, "/x.c", 1, 2},
        {"x", "x", NULL, 1, 2},
    };
    size_t size;

    cache_path(id, path);
    for (int i = 0; i <= FP_SYMCACHE_MAX_FRAMES; i++)
        many[i] = frame("m", "/m.c", i + 1);
    struct fp_symcache *c = fp_symcache_open(id);
    CHECK(c != NULL);
    put_named(c, 1);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct fp_frame pair[2] = {frame("good", "/g.c", 3), bad[i]};
        fp_symcache_put(c, 0x100 + i, &bad[i], 1, 0);
        fp_symcache_put(c, 0x200 + i, pair, 2, 0); /* a bad frame anywhere */
    }
    fp_symcache_put(c, 0x300, many, FP_SYMCACHE_MAX_FRAMES + 1, 0);
    fp_symcache_put(c, 0x301, many, -1, 0);
    put_named(c, 3);
    fp_symcache_close(c);
    char *text = slurp(path, &size);
    CHECK(text && count_lines(text) == 3);
    c = open_expecting(id, 0x5);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct fp_frame f[2];
        unsigned flags;
        CHECK(fp_symcache_get(c, 0x100 + i, f, 2, &flags) == -1);
        CHECK(fp_symcache_get(c, 0x200 + i, f, 2, &flags) == -1);
    }
    fp_symcache_close(c);
    /* A frame list at the limit is fine. */
    c = fp_symcache_open(id);
    fp_symcache_put(c, 0x302, many, FP_SYMCACHE_MAX_FRAMES, 0);
    fp_symcache_close(c);
    c = fp_symcache_open(id);
    struct fp_frame f[FP_SYMCACHE_MAX_FRAMES];
    unsigned flags;
    CHECK(fp_symcache_get(c, 0x302, f, FP_SYMCACHE_MAX_FRAMES, &flags) == FP_SYMCACHE_MAX_FRAMES);
    fp_symcache_close(c);
}

/* Opens `id` expecting `present` of offsets 1..3, puts offset 4 and
 * checks that the file now holds that entry alone. */
static void put_starts_afresh(const char *id, const char *path, unsigned present)
{
    struct fp_symcache *c = open_expecting(id, present);

    put_named(c, 4);
    fp_symcache_close(c);
    CHECK(size_of(path) < 4096);
    c = open_expecting(id, 0);
    CHECK(has_named(c, 4));
    fp_symcache_close(c);
}

/* A file over the size limit is not read, and the next close with
 * entries starts it afresh; one just under it is read, and a close that
 * would take it past the limit starts it afresh too. */
static void too_big(void)
{
    const char *id = "feed000c";
    char path[PATH_MAX], text[BUF_SIZE];
    size_t size;

    cache_path(id, path);
    strcpy(text, make_three(id, &size));
    CHECK(truncate(path, (off_t)33 << 20) == 0); /* sparse */
    put_starts_afresh(id, path, 0);
    spit(path, text, size);
    CHECK(truncate(path, ((off_t)32 << 20) - 8) == 0); /* NUL bytes after the entries */
    put_starts_afresh(id, path, 0x7);
    CHECK(unlink(path) == 0);
}

/* A FIFO where the file should be must not block the open (no writer)
 * nor the close. */
static void fifo_in_the_way(void)
{
    const char *id = "feed000f";
    char path[PATH_MAX];
    struct stat st;

    cache_path(id, path);
    CHECK(mkfifo(path, 0600) == 0);
    alarm(10); /* a hang fails the test */
    struct fp_symcache *c = open_expecting(id, 0);
    put_named(c, 1);
    fp_symcache_close(c);
    alarm(0);
    CHECK(lstat(path, &st) == 0);
    if (S_ISFIFO(st.st_mode))
        CHECK(unlink(path) == 0);
    else /* replaced by a regular file: fine too */
        fp_symcache_close(open_expecting(id, 0x1));
}

static void caching_off_and_bad_ids(void)
{
    char id128[129], id129[130], longdir[PATH_MAX];

    fp_symcache_set_dir("");
    CHECK(fp_symcache_open("feed000d") == NULL);
    fp_symcache_set_dir(NULL);
    CHECK(fp_symcache_open("feed000d") == NULL);
    fp_symcache_close(NULL);

    fp_symcache_set_dir(cache_dir);
    static const char *const bad[] = {"", "xyz", "../etc", "abc", "FEED000D", "feed/../x",
                                      "feed000d ", "feed\n000d", "g000"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK(fp_symcache_open(bad[i]) == NULL);
    CHECK(fp_symcache_open(NULL) == NULL);
    memset(id128, 'e', 128);
    id128[128] = '\0';
    memset(id129, 'e', 129);
    id129[129] = '\0';
    CHECK(fp_symcache_open(id129) == NULL);
    struct fp_symcache *c = fp_symcache_open(id128);
    CHECK(c != NULL);
    fp_symcache_close(c);

    /* A directory so long that no file name fits after it. */
    memset(longdir, 'd', sizeof(longdir) - 1);
    longdir[0] = '/';
    longdir[sizeof(longdir) - 1] = '\0';
    fp_symcache_set_dir(longdir);
    CHECK(fp_symcache_open("feed000d") == NULL);
    fp_symcache_set_dir(cache_dir);
}

/* A cache directory that cannot be created (under a regular file): the
 * cache works in memory and the close writes nothing, quietly. */
static void unwritable_dir(const char *tmp)
{
    char file[PATH_MAX], dir[PATH_MAX];
    struct stat st;

    CHECK(snprintf(file, sizeof(file), "%s/plain", tmp) < (int)sizeof(file));
    CHECK(snprintf(dir, sizeof(dir), "%s/plain/cache", tmp) < (int)sizeof(dir));
    spit(file, "x", 1);
    fp_symcache_set_dir(dir);
    struct fp_symcache *c = fp_symcache_open("feed000e");
    CHECK(c != NULL);
    put_named(c, 1);
    errno = EDOM;
    fp_symcache_close(c);
    CHECK(errno == EDOM);
    CHECK(stat(file, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 1);

    /* The directory itself a regular file. */
    fp_symcache_set_dir(file);
    c = fp_symcache_open("feed000e");
    CHECK(c != NULL);
    put_named(c, 1);
    errno = ERANGE;
    fp_symcache_close(c);
    CHECK(errno == ERANGE);
    CHECK(stat(file, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 1);
    fp_symcache_set_dir(cache_dir);
}

int main(void)
{
    const char *tmp = getenv("FP_TMP");
    char base[PATH_MAX];

    CHECK(tmp && *tmp);
    CHECK(snprintf(base, sizeof(base), "%s/symcache-unit", tmp) < (int)sizeof(base));
    CHECK(mkdir(base, 0755) == 0);
    /* Two levels that do not exist yet: the first close creates them. */
    CHECK(snprintf(cache_dir, sizeof(cache_dir), "%s/nested/cache", base) < (int)sizeof(cache_dir));
    fp_symcache_set_dir(cache_dir);

    round_trip();
    only_empty_entries();
    appends_and_first_wins();
    bit_flips();
    torn_tail();
    garbage_lines();
    foreign_headers();
    directory_in_the_way();
    bad_fields();
    put_refuses();
    too_big();
    fifo_in_the_way();
    caching_off_and_bad_ids();
    unwritable_dir(base);
    printf("ok\n");
    return 0;
}
