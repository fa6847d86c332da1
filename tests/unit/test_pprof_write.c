/* Profiles built from real code addresses (tests/progs/sym_targets and its
 * plugins): merging by stack and labels, synthetic samples, labels, the
 * summary reader, and clean errors for corrupt or foreign files.
 * With `--write OUT PROGS_DIR` it only writes the profile, for
 * tests/t_pprof_symbols.sh to check with go tool pprof. */
#include <fcntl.h>
#include <stdint.h>
#include <zlib.h>

#include "pprof_encode.h"
#include "pprof_read.h"
#include "test_symbol_child.h"

#define PERIOD 10000000 /* 10 ms */
#define LOST_FRAME "[flightprof: lost samples]"

struct stack {
    const char *labels[4];
    const char *thread;
    int64_t count;
};

/* Leaf first; every stack ends in main. Counts are distinct so that each
 * function's share identifies it. */
static const struct stack stacks[] = {
    {{"static", "main"}, "main", 50},
    {{"inlined", "main"}, "main", 30},
    {{"template", "main"}, "worker", 20},
    {{"plugin_static", "plugin_run", "main"}, "worker", 10},
    {{"nodebug_static", "main"}, "main", 5},
};
#define NSTACKS (sizeof(stacks) / sizeof(stacks[0]))
#define LOST 3
#define TOTAL (50 + 30 + 20 + 10 + 5 + LOST)

static int add_stack(struct fp_pprof *p, const struct child *c, const struct stack *s,
                     int64_t count)
{
    uint64_t addrs[4];
    int n = 0;
    int64_t values[2] = {count, count * PERIOD};
    struct fp_pprof_label labels[2] = {
        {.key = "thread", .str = s->thread},
        {.key = "tid", .num = strcmp(s->thread, "main") == 0 ? 100 : 101, .num_unit = "id"},
    };

    while (n < 4 && s->labels[n]) {
        addrs[n] = child_probe(c, s->labels[n])->addr;
        n++;
    }
    return fp_pprof_add_sample(p, addrs, n, values, labels, 2);
}

/* Each stack is added in two parts that must merge. */
static struct fp_pprof *build(const struct child *c)
{
    static const struct fp_pprof_value_type types[] = {{"samples", "count"}, {"cpu", "nanoseconds"}};
    struct fp_pprof *p = fp_pprof_new(types, 2, types[1], PERIOD);
    int64_t lost[2] = {LOST, LOST * PERIOD};

    CHECK(p != NULL);
    fp_pprof_set_time(p, 1700000000000000000, 2000000000);
    fp_pprof_add_comment(p, "flightprof test profile");
    for (size_t i = 0; i < NSTACKS; i++) {
        CHECK(add_stack(p, c, &stacks[i], stacks[i].count - 1) == 0);
        CHECK(add_stack(p, c, &stacks[i], 1) == 0);
    }
    CHECK(fp_pprof_add_synthetic_sample(p, LOST_FRAME, lost, NULL, 0) == 0);
    return p;
}

static const struct fp_pprof_top_entry *entry(const struct fp_pprof_summary *s, const char *name)
{
    for (size_t i = 0; i < s->ntop; i++)
        if (strcmp(s->top[i].function, name) == 0)
            return &s->top[i];
    fprintf(stderr, "no %s in the summary\n", name);
    exit(1);
}

static void check_summary(const char *path)
{
    struct fp_pprof_summary s;
    char err[256];

    CHECK(fp_pprof_summarize(path, "samples", 20, &s, err, sizeof(err)) == 0);
    CHECK(strcmp(s.sample_type, "samples") == 0 && strcmp(s.unit, "count") == 0);
    CHECK(s.total == TOTAL);
    CHECK(s.nsamples == NSTACKS + 1); /* merged */
    CHECK(strcmp(s.top[0].function, "local_static") == 0 && s.top[0].flat == 50);
    CHECK(entry(&s, "inlined_leaf")->flat == 30);
    CHECK(entry(&s, "calls_inline")->flat == 0 && entry(&s, "calls_inline")->cum == 30);
    CHECK(entry(&s, "geo::Box<double>::volume")->flat == 20);
    CHECK(entry(&s, "plugin_static")->flat == 10 && entry(&s, "sym_plugin_run")->cum == 10);
    CHECK(entry(&s, "nodebug_static")->flat == 5);
    CHECK(entry(&s, LOST_FRAME)->flat == LOST);
    CHECK(entry(&s, "main")->cum == TOTAL - LOST && entry(&s, "main")->flat == 0);
    fp_pprof_summary_free(&s);

    /* No type asked: the last one (no default set), here cpu. */
    CHECK(fp_pprof_summarize(path, NULL, 2, &s, err, sizeof(err)) == 0);
    CHECK(strcmp(s.sample_type, "cpu") == 0 && s.total == TOTAL * PERIOD && s.ntop == 2);
    fp_pprof_summary_free(&s);
    CHECK(fp_pprof_summarize(path, "nosuch", 2, &s, err, sizeof(err)) == -1);
    fprintf(stderr, "expected error: %s\n", err);
}

static void write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    CHECK(fd >= 0 && write(fd, data, len) == (ssize_t)len && close(fd) == 0);
}

static void expect_error(const char *path, const char *what)
{
    struct fp_pprof_summary s;
    char err[256] = "";

    CHECK(fp_pprof_summarize(path, NULL, 5, &s, err, sizeof(err)) == -1);
    fprintf(stderr, "%s: %s\n", what, err);
    CHECK(err[0] != '\0');
}

/* Raw protobuf reads too; damaged files fail cleanly. */
static void check_bad_files(const char *dir, const uint8_t *gz, size_t len)
{
    char path[4096];
    uint8_t raw[1 << 16];
    uLongf rawlen = sizeof(raw);
    z_stream zs = {0};

    CHECK(inflateInit2(&zs, 15 + 16) == Z_OK);
    zs.next_in = (Bytef *)gz;
    zs.avail_in = (uInt)len;
    zs.next_out = raw;
    zs.avail_out = (uInt)rawlen;
    CHECK(inflate(&zs, Z_FINISH) == Z_STREAM_END);
    rawlen = zs.total_out;
    inflateEnd(&zs);
    snprintf(path, sizeof(path), "%s/raw.pb", dir);
    write_file(path, raw, rawlen);
    struct fp_pprof_summary s;
    char err[256];
    CHECK(fp_pprof_summarize(path, "samples", 5, &s, err, sizeof(err)) == 0 && s.total == TOTAL);
    fp_pprof_summary_free(&s);

    snprintf(path, sizeof(path), "%s/truncated.pb.gz", dir);
    write_file(path, gz, len / 2);
    expect_error(path, "truncated gzip");
    snprintf(path, sizeof(path), "%s/truncated.pb", dir);
    write_file(path, raw, rawlen / 2);
    expect_error(path, "truncated protobuf");
    uint8_t corrupt[4096];
    memcpy(corrupt, gz, len < sizeof(corrupt) ? len : sizeof(corrupt));
    for (size_t i = 20; i < 200 && i < len; i++)
        corrupt[i] ^= 0x5a;
    snprintf(path, sizeof(path), "%s/corrupt.pb.gz", dir);
    write_file(path, corrupt, len < sizeof(corrupt) ? len : sizeof(corrupt));
    expect_error(path, "corrupt gzip");
    snprintf(path, sizeof(path), "%s/text", dir);
    write_file(path, "hello, this is not a profile\n", 29);
    expect_error(path, "text");
    snprintf(path, sizeof(path), "%s/empty", dir);
    write_file(path, "", 0);
    expect_error(path, "empty");
    snprintf(path, sizeof(path), "%s/missing", dir);
    expect_error(path, "missing");
}

int main(int argc, char **argv)
{
    struct child c;
    char path[4096];
    const char *dir = getenv("FP_TMP") ? getenv("FP_TMP") : "/tmp";

    if (argc == 4 && strcmp(argv[1], "--write") == 0) {
        child_run(&c, argv[3]);
        struct fp_pprof *p = build(&c);
        CHECK(fp_pprof_write(p, &c.maps, argv[2]) == 0);
        fp_pprof_free(p);
        fp_maps_free(&c.maps);
        return 0;
    }
    child_run(&c, NULL);
    struct fp_pprof *p = build(&c);
    uint8_t *gz;
    size_t len;
    CHECK(fp_pprof_encode(p, &c.maps, &gz, &len) == 0);
    CHECK(len > 20 && gz[0] == 0x1f && gz[1] == 0x8b);
    snprintf(path, sizeof(path), "%s/test.pb.gz", dir);
    CHECK(fp_pprof_write(p, &c.maps, path) == 0);
    check_summary(path);
    check_bad_files(dir, gz, len);
    free(gz);
    fp_pprof_free(p);
    fp_maps_free(&c.maps);
    return 0;
}
