/*
 * The symbol cache on disk. Owns the cache directory setting and each
 * open cache: the file's bytes (split in place into NUL-terminated
 * fields), the frames parsed from them, an index by offset, and the lines
 * waiting to be written. One thread at a time uses a cache.
 *
 * File format, all text:
 *
 *     flightprof-symcache 1 BUILD_ID DEBUG_ID\n
 *     OFFSET\tFLAGS\tN[\tFUNCTION\tSYSTEM_NAME\tFILE\tSTART_LINE\tLINE]*N\tCHECK\n
 *     ...
 *
 * OFFSET, FLAGS and CHECK are hex; CHECK is the FNV-1a hash of the line
 * up to the tab before it. DEBUG_ID names the separate debug file at the
 * standard build-id path by size and modification time, or is "-" when
 * there is none.
 *
 * Signal context: none.
 */
#include "symcache.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "hash.h"
#include "hashidx.h"
#include "mem.h"
#include "outfile.h"

#define MAGIC "flightprof-symcache 1"
/* A file this big is not read, and one that would grow past it is
 * started afresh: the cache keeps what recent runs needed. */
#define MAX_FILE_SIZE (32u << 20)
#define DEBUG_ROOT "/usr/lib/debug/.build-id/"
#define FIELDS_PER_FRAME 5

struct entry {
    uint64_t offset;
    unsigned flags;
    uint32_t first, n; /* frames[first, first + n) */
};

struct fp_symcache {
    char path[PATH_MAX];
    char header[PATH_MAX];
    bool file_valid;      /* the file exists with our header: append to it */
    bool torn_tail;       /* it does not end with a newline */
    char *data;           /* the file, fields NUL-terminated in place */
    struct fp_frame *frames;
    size_t nframes, frames_cap;
    struct entry *entries;
    size_t nentries, entries_cap;
    struct fp_hashidx index;
    char *pending;        /* lines to write */
    size_t pending_len, pending_cap;
};

/* Set once before any cache is opened. */
static char cache_dir[PATH_MAX];

void fp_symcache_set_dir(const char *dir)
{
    snprintf(cache_dir, sizeof(cache_dir), "%s", dir ? dir : "");
}

const char *fp_symcache_dir(void)
{
    return cache_dir;
}

/* ---- identity --------------------------------------------------------- */

static bool is_hex_id(const char *s)
{
    size_t n = strspn(s, "0123456789abcdef");

    return n >= 4 && n <= 128 && s[n] == '\0';
}

/* The separate debug file libdwfl would find by build-id, as
 * "SIZE.MTIME_S.MTIME_NS", or "-" when there is none. */
static void debug_identity(const char *build_id, char *out, size_t len)
{
    char path[PATH_MAX];
    struct stat st;

    snprintf(path, sizeof(path), DEBUG_ROOT "%.2s/%s.debug", build_id, build_id + 2);
    if (stat(path, &st) != 0)
        snprintf(out, len, "-");
    else
        snprintf(out, len, "%lld.%lld.%09ld", (long long)st.st_size, (long long)st.st_mtim.tv_sec,
                 st.st_mtim.tv_nsec);
}

/* ---- reading ---------------------------------------------------------- */

static uint64_t line_check(const char *line, size_t len)
{
    return fp_hash_bytes(FP_HASH_SEED, line, len);
}

static bool parse_u64(const char *s, int base, uint64_t *out)
{
    char *end;

    if (!*s || *s == '-' || *s == '+' || *s == ' ')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, base);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

/* Splits `line` (len bytes, no newline) at its tabs, in place, into at
 * most max fields. Returns the number of fields. */
static size_t split_fields(char *line, size_t len, char **fields, size_t max)
{
    size_t n = 0;
    char *p = line, *end = line + len;

    while (n < max) {
        char *tab = memchr(p, '\t', (size_t)(end - p));
        fields[n++] = p;
        if (!tab)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    *end = '\0';
    return n;
}

static bool lookup_eq(const void *ctx, uint32_t index, const void *key)
{
    const struct fp_symcache *c = ctx;

    return c->entries[index].offset == *(const uint64_t *)key;
}

static uint32_t find_entry(const struct fp_symcache *c, uint64_t offset)
{
    return fp_hashidx_find(&c->index, fp_hash_u64(offset), lookup_eq, c, &offset);
}

/* Adds the entry in `fields` (already counted); false if it does not
 * parse. A second entry for an offset is ignored. */
static bool add_entry(struct fp_symcache *c, char **fields, size_t nfields)
{
    uint64_t offset, flags, n;

    if (!parse_u64(fields[0], 16, &offset) || !parse_u64(fields[1], 16, &flags) ||
        !parse_u64(fields[2], 10, &n) || n > FP_SYMCACHE_MAX_FRAMES ||
        nfields != 3 + n * FIELDS_PER_FRAME)
        return false;
    if (find_entry(c, offset) != FP_HASHIDX_NONE)
        return true;
    if (fp_array_reserve(&c->frames, &c->frames_cap, c->nframes + n, sizeof(*c->frames)) != 0 ||
        fp_array_reserve(&c->entries, &c->entries_cap, c->nentries + 1, sizeof(*c->entries)) != 0)
        return false;
    for (uint64_t i = 0; i < n; i++) {
        char **f = &fields[3 + i * FIELDS_PER_FRAME];
        uint64_t start_line, line;
        if (!f[0][0] || !parse_u64(f[3], 10, &start_line) || !parse_u64(f[4], 10, &line) ||
            start_line > INT64_MAX || line > INT64_MAX)
            return false;
        c->frames[c->nframes + i] = (struct fp_frame){
            .function = f[0], .system_name = f[1], .file = f[2],
            .start_line = (int64_t)start_line, .line = (int64_t)line,
        };
    }
    if (fp_hashidx_add(&c->index, fp_hash_u64(offset), (uint32_t)c->nentries) != 0)
        return false;
    c->entries[c->nentries++] = (struct entry){offset, (unsigned)flags, (uint32_t)c->nframes,
                                               (uint32_t)n};
    c->nframes += n;
    return true;
}

/* Parses one line (NUL-terminated in place of its newline) if its check
 * verifies. */
static void parse_line(struct fp_symcache *c, char *line, size_t len)
{
    enum { MAX_FIELDS = 3 + FP_SYMCACHE_MAX_FRAMES * FIELDS_PER_FRAME };
    char *fields[MAX_FIELDS + 1];
    char *last_tab = memrchr(line, '\t', len);
    uint64_t check;

    if (!last_tab)
        return;
    *last_tab = '\0';
    if (!parse_u64(last_tab + 1, 16, &check) ||
        check != line_check(line, (size_t)(last_tab - line)))
        return;
    size_t n = split_fields(line, (size_t)(last_tab - line), fields, MAX_FIELDS + 1);
    if (n >= 3)
        add_entry(c, fields, n);
}

/* Loads the file's entries if its header is ours. */
static void parse_file(struct fp_symcache *c, char *data, size_t size)
{
    size_t header_len = strlen(c->header);

    if (size < header_len || memcmp(data, c->header, header_len) != 0)
        return;
    c->file_valid = true;
    c->torn_tail = data[size - 1] != '\n';
    for (char *p = data + header_len, *end = data + size; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break; /* torn: its writer died */
        *nl = '\0';
        parse_line(c, p, (size_t)(nl - p));
        p = nl + 1;
    }
}

static bool read_all(int fd, char *buf, size_t len)
{
    while (len) {
        ssize_t n = read(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

static void load_file(struct fp_symcache *c)
{
    /* O_NONBLOCK: a FIFO in the file's place must not hang the process
     * until some writer turns up (fstat then rejects it). */
    int fd = open(c->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;

    if (fd < 0)
        return;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
        close(fd);
        return;
    }
    if ((uint64_t)st.st_size > MAX_FILE_SIZE) {
        close(fd);
        return;
    }
    size_t size = (size_t)st.st_size;
    char *data = fp_mem_alloc(size + 1);
    bool whole = data && read_all(fd, data, size);
    close(fd);
    if (!whole) {
        fp_mem_free(data);
        return;
    }
    data[size] = '\0';
    c->data = data;
    parse_file(c, data, size);
}

struct fp_symcache *fp_symcache_open(const char *build_id)
{
    char debug_id[64];

    if (!cache_dir[0] || !build_id || !is_hex_id(build_id))
        return NULL;
    struct fp_symcache *c = fp_mem_calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    debug_identity(build_id, debug_id, sizeof(debug_id));
    snprintf(c->header, sizeof(c->header), MAGIC " %s %s\n", build_id, debug_id);
    if (snprintf(c->path, sizeof(c->path), "%s/%s.sym", cache_dir, build_id) >=
        (int)sizeof(c->path)) {
        fp_mem_free(c);
        return NULL;
    }
    load_file(c);
    return c;
}

int fp_symcache_get(const struct fp_symcache *c, uint64_t offset, struct fp_frame *frames,
                    int max, unsigned *flags)
{
    uint32_t i = find_entry(c, offset);

    if (i == FP_HASHIDX_NONE)
        return -1;
    const struct entry *e = &c->entries[i];
    int n = (int)e->n < max ? (int)e->n : max;

    if (n < 0)
        n = 0; /* a negative max is 0, not a count that reads as "absent" */
    /* Not for n == 0: a cache of only empty entries has no frames array
     * (and the caller may pass none), and memcpy from NULL is undefined. */
    if (n > 0)
        memcpy(frames, &c->frames[e->first], (size_t)n * sizeof(*frames));
    *flags = e->flags;
    return n;
}

/* ---- writing ---------------------------------------------------------- */

static bool storable(const char *s)
{
    return s && !strpbrk(s, "\t\n");
}

/* Appends printf output to the pending lines; false when out of memory. */
static bool __attribute__((format(printf, 2, 3))) append(struct fp_symcache *c, const char *fmt, ...)
{
    /* A buffer from the start: the first vsnprintf must not get
     * NULL + 0, which is undefined (UBSan stops on it). */
    if (fp_array_reserve(&c->pending, &c->pending_cap, c->pending_len + 1, 1) != 0)
        return false;
    for (;;) {
        size_t room = c->pending_cap - c->pending_len;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(c->pending + c->pending_len, room, fmt, ap);
        va_end(ap);
        if (n < 0)
            return false;
        if ((size_t)n < room) {
            c->pending_len += (size_t)n;
            return true;
        }
        if (fp_array_reserve(&c->pending, &c->pending_cap, c->pending_len + (size_t)n + 1, 1) != 0)
            return false;
    }
}

void fp_symcache_put(struct fp_symcache *c, uint64_t offset, const struct fp_frame *frames, int n,
                     unsigned flags)
{
    size_t start = c->pending_len;

    if (n < 0 || n > FP_SYMCACHE_MAX_FRAMES)
        return;
    for (int i = 0; i < n; i++)
        if (!storable(frames[i].function) || !frames[i].function[0] ||
            !storable(frames[i].system_name) || !storable(frames[i].file) ||
            frames[i].start_line < 0 || frames[i].line < 0)
            return;
    bool ok = append(c, "%" PRIx64 "\t%x\t%d", offset, flags, n);
    for (int i = 0; ok && i < n; i++)
        ok = append(c, "\t%s\t%s\t%s\t%" PRId64 "\t%" PRId64, frames[i].function,
                    frames[i].system_name, frames[i].file, frames[i].start_line, frames[i].line);
    if (ok)
        ok = append(c, "\t%" PRIx64 "\n", line_check(c->pending + start, c->pending_len - start));
    if (!ok)
        c->pending_len = start;
}

int fp_symcache_make_dir(void)
{
    char path[PATH_MAX];

    snprintf(path, sizeof(path), "%s", cache_dir);
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return -1;
        if (!saved)
            return 0;
        *p = saved;
    }
}

/* Replaces a missing, stale or full file with the header and the new
 * lines. */
static void create_file(struct fp_symcache *c)
{
    size_t header_len = strlen(c->header);
    char *buf = fp_mem_alloc(header_len + c->pending_len);

    if (!buf || fp_symcache_make_dir() != 0) {
        fp_mem_free(buf);
        return;
    }
    memcpy(buf, c->header, header_len);
    memcpy(buf + header_len, c->pending, c->pending_len);
    fp_outfile_write_atomic(c->path, buf, header_len + c->pending_len);
    fp_mem_free(buf);
}

static void append_to_file(struct fp_symcache *c)
{
    /* O_NONBLOCK as in load_file, should the file have become a FIFO. */
    int fd = open(c->path, O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC);
    struct stat st;

    if (fd < 0)
        return;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return;
    }
    if ((uint64_t)st.st_size + c->pending_len + 1 > MAX_FILE_SIZE) {
        close(fd);
        create_file(c);
        return;
    }
    /* One write per close: O_APPEND keeps concurrent writers' lines
     * whole; a line torn by a crash fails its check. */
    if (c->torn_tail)
        fp_outfile_write_all(fd, "\n", 1);
    fp_outfile_write_all(fd, c->pending, c->pending_len);
    close(fd);
}

void fp_symcache_close(struct fp_symcache *c)
{
    if (!c)
        return;
    int saved_errno = errno;
    if (c->pending_len) {
        if (c->file_valid)
            append_to_file(c);
        else
            create_file(c);
    }
    errno = saved_errno;
    fp_mem_free(c->data);
    fp_mem_free(c->frames);
    fp_mem_free(c->entries);
    fp_hashidx_free(&c->index);
    fp_mem_free(c->pending);
    fp_mem_free(c);
}
