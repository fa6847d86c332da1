/*
 * libFuzzer target for the symbol cache (src/output/symcache.c): any bytes as a
 * cache file must load without a crash, a leak or an out-of-bounds read
 * through the frames a get returns; a put and a close (append to the
 * file, or replace it) must then leave an entry that reads back as put.
 * Built and run by `make fuzz`.
 *
 * The first input byte steers: bit 0 puts the header the cache expects in
 * front of the rest (so most inputs get past it), bit 1 gives every
 * complete line of the rest a valid check (so the fields are what gets
 * judged), bit 2 leaves no file at all; the other bits pick the put.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "hash.h"
#include "symcache.h"

/* No separate debug file exists for it (checked in setup). */
#define BUILD_ID "f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3"

#define PREPEND_HEADER 0x1u
#define FIX_CHECKS 0x2u
#define NO_FILE 0x4u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[PATH_MAX], path[PATH_MAX], header[256];

static void cleanup(void)
{
    unlink(path);
    rmdir(dir);
}

/* A private directory for the cache file, once per process. */
static void setup(void)
{
    char debug[PATH_MAX];
    struct stat st;
    const char *tmp = getenv("TMPDIR");

    snprintf(dir, sizeof(dir), "%s/fuzz-symcache.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        abort();
    snprintf(path, sizeof(path), "%s/%s.sym", dir, BUILD_ID);
    snprintf(debug, sizeof(debug), "/usr/lib/debug/.build-id/%.2s/%s.debug", BUILD_ID,
             &BUILD_ID[2]);
    if (stat(debug, &st) == 0)
        abort(); /* the header below would not be the one the cache expects */
    snprintf(header, sizeof(header), "flightprof-symcache 1 %s -\n", BUILD_ID);
    fp_symcache_set_dir(dir);
    atexit(cleanup);
}

/* A growing byte buffer; aborts when out of memory. */
struct buf {
    char *p;
    size_t len, cap;
};

static void put_bytes(struct buf *b, const void *s, size_t n)
{
    if (fp_array_reserve(&b->p, &b->cap, b->len + n + 1, 1) != 0)
        abort();
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* The cache file's bytes for this input. */
static void make_file(struct buf *out, unsigned mode, const uint8_t *body, size_t size)
{
    if (mode & PREPEND_HEADER)
        put_bytes(out, header, strlen(header));
    if (!(mode & FIX_CHECKS)) {
        put_bytes(out, body, size);
        return;
    }
    const uint8_t *p = body, *end = body + size;
    while (p < end) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            put_bytes(out, p, (size_t)(end - p)); /* a torn tail stays torn */
            break;
        }
        char check[24];
        int n = snprintf(check, sizeof(check), "\t%" PRIx64 "\n",
                         fp_hash_bytes(FP_HASH_SEED, p, (size_t)(nl - p)));
        put_bytes(out, p, (size_t)(nl - p));
        put_bytes(out, check, (size_t)n);
        p = nl + 1;
    }
}

static void write_file(const struct buf *b)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    if (fd < 0 || write(fd, b->p, b->len) != (ssize_t)b->len || close(fd) != 0)
        abort();
}

/* Gets `offset` and touches every byte the returned frames point to. */
static int get_and_walk(const struct fp_symcache *c, uint64_t offset, int max)
{
    struct fp_frame frames[FP_SYMCACHE_MAX_FRAMES + 2];
    unsigned flags = 0xdeadbeef;
    volatile size_t sink = 0;
    int n = fp_symcache_get(c, offset, frames, max, &flags);

    if (n < -1 || n > max || n > FP_SYMCACHE_MAX_FRAMES || (n >= 0 && flags == 0xdeadbeef))
        abort();
    for (int i = 0; i < n; i++) {
        if (!frames[i].function[0] || frames[i].start_line < 0 || frames[i].line < 0)
            abort(); /* the reader promised to refuse these */
        sink += strlen(frames[i].function) + strlen(frames[i].system_name) +
                strlen(frames[i].file);
    }
    (void)sink;
    return n;
}

/* Gets the offset each line of the file starts with, and a few more. */
static void get_all(const struct fp_symcache *c, const struct buf *b, uint64_t extra)
{
    int max = 0;

    for (const char *p = b->p, *end = p ? p + b->len : p; p && p < end; max = (max + 7) % 66) {
        get_and_walk(c, strtoull(p, NULL, 16), max);
        p = memchr(p, '\n', (size_t)(end - p));
        p = p ? p + 1 : NULL;
    }
    get_and_walk(c, 0, FP_SYMCACHE_MAX_FRAMES);
    get_and_walk(c, UINT64_MAX, FP_SYMCACHE_MAX_FRAMES);
    get_and_walk(c, extra, FP_SYMCACHE_MAX_FRAMES);
}

/* A NUL-terminated copy of up to 15 bytes of the input at `at`. */
static void input_string(char out[16], const uint8_t *data, size_t size, size_t at)
{
    size_t n = at < size ? size - at : 0;

    n = n < 15 ? n : 15;
    if (n)
        memcpy(out, data + at, n);
    out[n] = '\0';
}

static bool storable(const struct fp_frame *f)
{
    return f->function[0] && !strpbrk(f->function, "\t\n") && !strpbrk(f->system_name, "\t\n") &&
           !strpbrk(f->file, "\t\n") && f->start_line >= 0 && f->line >= 0;
}

static bool same_frame(const struct fp_frame *a, const struct fp_frame *b)
{
    return strcmp(a->function, b->function) == 0 && strcmp(a->system_name, b->system_name) == 0 &&
           strcmp(a->file, b->file) == 0 && a->start_line == b->start_line && a->line == b->line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    struct buf file = {0};
    char name[16], file_name[16];

    if (!ready) {
        setup();
        ready = true;
    }
    unsigned mode = size ? data[0] : 0;
    const uint8_t *body = size ? data + 1 : data;
    size_t body_size = size ? size - 1 : 0;

    make_file(&file, mode, body, body_size);
    unlink(path);
    if (!(mode & NO_FILE))
        write_file(&file);

    struct fp_symcache *c = fp_symcache_open(BUILD_ID);
    if (!c)
        abort();
    uint64_t extra = 0;
    memcpy(&extra, body, body_size < sizeof(extra) ? body_size : sizeof(extra));
    get_all(c, &file, extra);

    /* The put: an offset from the file (a duplicate, maybe) or the input,
     * a name from the input's tail, lines that may be negative. */
    uint64_t offset = (mode & 0x8) && file.len ? strtoull(file.p + file.len / 2, NULL, 16) : extra;
    input_string(name, body, body_size, body_size > 15 ? body_size - 15 : 0);
    input_string(file_name, body, body_size, body_size / 3);
    int n = (int)(mode >> 4) % 4; /* 0..3 copies of the frame */
    struct fp_frame frames[3], f = {
        name[0] ? name : "f", (mode & 0x10) ? "_Zsys" : (name[0] ? name : "f"), file_name,
        (int8_t)(size > 1 ? data[1] : 0), (int8_t)(size > 2 ? data[2] : 0),
    };
    for (int i = 0; i < 3; i++)
        frames[i] = f;
    n = n == 3 ? 0 : n; /* 0: nothing known */
    bool was_absent = fp_symcache_get(c, offset, frames, 0, &(unsigned){0}) == -1;
    fp_symcache_put(c, offset, frames, n, mode);
    errno = 12345;
    fp_symcache_close(c);
    if (errno != 12345)
        abort();

    /* The entry reads back, and as put unless the file held a line for
     * the offset that only the close's newline completed. */
    c = fp_symcache_open(BUILD_ID);
    if (!c)
        abort();
    struct fp_frame got[FP_SYMCACHE_MAX_FRAMES];
    unsigned flags;
    int m = fp_symcache_get(c, offset, got, FP_SYMCACHE_MAX_FRAMES, &flags);
    bool torn = file.len && file.p[file.len - 1] != '\n' && !(mode & NO_FILE);
    if (n == 0 || storable(&f)) {
        if (m < 0)
            abort(); /* written but unreadable */
        if (was_absent && !torn) {
            if (m != n || flags != mode)
                abort();
            for (int i = 0; i < m; i++)
                if (!same_frame(&got[i], &f))
                    abort();
        }
    }
    get_all(c, &file, extra);
    fp_symcache_close(c);
    free(file.p);
    return 0;
}
