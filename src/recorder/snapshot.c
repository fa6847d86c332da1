/*
 * Snapshot files: header, executable, crash stack, mappings with build-ids,
 * thread table and the recorder's chunks, written with plain syscalls from
 * static buffers (one set per context) so that a crash handler can do it.
 * Owns those buffers; each is used by one writer at a time (callers
 * serialise per context).
 *
 * Signal context: fp_snapshot_write and everything it calls.
 */
#include "snapshot.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "maps.h"
#include "outfile.h"
#include "ring.h"
#include "threads.h"

#define OUT_BYTES (64u << 10)
#define CHUNK_COPY_BYTES (64u << 10) /* the ring's largest chunk */
#define MAPS_READ_BYTES 4096
#define NOTES_BYTES 4096
#define MAX_PHDRS 64
#define BUILD_ID_HEX_MAX 129 /* 64-byte ids, NUL included */
#if __SIZEOF_POINTER__ == 8
#define ELF_CLASS_NATIVE ELFCLASS64
#else
#define ELF_CLASS_NATIVE ELFCLASS32
#endif

struct scratch {
    unsigned char out[OUT_BYTES];      /* buffered output */
    unsigned char chunk[CHUNK_COPY_BYTES];
    char maps[MAPS_READ_BYTES];        /* /proc/self/maps, a block at a time */
    char line[PATH_MAX + 128];
    unsigned char notes[NOTES_BYTES];
    char prev_path[PATH_MAX];          /* last mapping's file and build-id */
    char prev_build_id[BUILD_ID_HEX_MAX];
};
static struct scratch scratch[2];

/* A snapshot being written. */
struct writer {
    struct scratch *s;
    int fd;
    size_t buffered;
    uint64_t offset; /* bytes written, buffered included */
    int failed;      /* errno of the first failure */
};

/* ---- output ------------------------------------------------------------- */

static void flush(struct writer *w)
{
    if (!w->failed && w->buffered && fp_outfile_write_all(w->fd, w->s->out, w->buffered) != 0)
        w->failed = errno ? errno : EIO;
    w->buffered = 0;
}

static void emit(struct writer *w, const void *data, size_t len)
{
    if (len > OUT_BYTES - w->buffered)
        flush(w);
    if (len > OUT_BYTES) {
        if (!w->failed && fp_outfile_write_all(w->fd, data, len) != 0)
            w->failed = errno ? errno : EIO;
    } else if (len) { /* data may be NULL when there is nothing to copy */
        memcpy(w->s->out + w->buffered, data, len);
        w->buffered += len;
    }
    w->offset += len;
}

static void emit_padding(struct writer *w, size_t len)
{
    static const char zeros[8];

    emit(w, zeros, (8 - len % 8) % 8);
}

/* Rewrites bytes already emitted (a header whose counts are known only
 * after its body), then returns to the end. */
static void patch(struct writer *w, uint64_t at, const void *data, size_t len)
{
    flush(w);
    if (w->failed)
        return;
    if (lseek(w->fd, (off_t)at, SEEK_SET) < 0 || fp_outfile_write_all(w->fd, data, len) != 0 ||
        lseek(w->fd, (off_t)w->offset, SEEK_SET) < 0)
        w->failed = errno ? errno : EIO;
}

/* Emits a section header to be patched by end_section; returns its offset. */
static uint64_t begin_section(struct writer *w)
{
    struct fp_snap_section blank = {0};
    uint64_t at = w->offset;

    emit(w, &blank, sizeof(blank));
    return at;
}

static void end_section(struct writer *w, uint64_t at, uint32_t kind, uint32_t count)
{
    struct fp_snap_section sec = {kind, count, w->offset - at - sizeof(sec)};

    patch(w, at, &sec, sizeof(sec));
}

static void emit_section(struct writer *w, uint32_t kind, uint32_t count, const void *body,
                         size_t len)
{
    struct fp_snap_section sec = {kind, count, (len + 7) & ~(size_t)7};

    emit(w, &sec, sizeof(sec));
    if (len) {
        emit(w, body, len);
        emit_padding(w, len);
    }
}

/* ---- executable and mappings -------------------------------------------- */

static void emit_executable(struct writer *w)
{
    char *path = w->s->line;
    /* Through the thread, as fp_maps_open_self: a dead leader has no exe. */
    ssize_t n = readlink("/proc/thread-self/exe", path, PATH_MAX - 1);

    if (n < 0)
        n = readlink("/proc/self/exe", path, PATH_MAX - 1);

    path[n > 0 ? n : 0] = '\0';
    emit_section(w, FP_SNAP_SEC_EXECUTABLE, 0, path, strlen(path) + 1);
}

static void hex_of(const unsigned char *id, size_t n, char *hex)
{
    static const char digits[] = "0123456789abcdef";

    if (n > (BUILD_ID_HEX_MAX - 1) / 2)
        n = (BUILD_ID_HEX_MAX - 1) / 2;
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[id[i] >> 4];
        hex[2 * i + 1] = digits[id[i] & 15];
    }
    hex[2 * n] = '\0';
}

/* Finds NT_GNU_BUILD_ID among `len` bytes of ELF notes. */
static void build_id_in_notes(const unsigned char *notes, size_t len, char *hex)
{
    size_t pos = 0;

    while (len - pos >= sizeof(ElfW(Nhdr))) {
        ElfW(Nhdr) nh;
        memcpy(&nh, notes + pos, sizeof(nh));
        size_t name = (nh.n_namesz + 3) & ~3u, desc = (nh.n_descsz + 3) & ~3u;
        pos += sizeof(nh);
        if (name > len - pos || desc > len - pos - name)
            return;
        if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
            memcmp(notes + pos, "GNU", 4) == 0) {
            hex_of(notes + pos + name, nh.n_descsz, hex);
            return;
        }
        pos += name + desc;
    }
}

static int read_at(int fd, uint64_t at, void *buf, size_t len)
{
    if (lseek(fd, (off_t)at, SEEK_SET) < 0)
        return -1;
    ssize_t n = read(fd, buf, len);
    return n < 0 ? -1 : (int)n;
}

/* The build-id of an ELF file, from its PT_NOTE segments. */
static void file_build_id(struct scratch *s, const char *path, char *hex)
{
    ElfW(Ehdr) eh;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    hex[0] = '\0';
    if (fd < 0)
        return;
    if (read_at(fd, 0, &eh, sizeof(eh)) == (int)sizeof(eh) &&
        memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 && eh.e_ident[EI_CLASS] == ELF_CLASS_NATIVE &&
        eh.e_phentsize == sizeof(ElfW(Phdr)) && eh.e_phnum <= MAX_PHDRS) {
        ElfW(Phdr) ph[MAX_PHDRS];
        size_t len = (size_t)eh.e_phnum * sizeof(ph[0]);
        if (read_at(fd, eh.e_phoff, ph, len) == (int)len)
            for (int i = 0; i < eh.e_phnum && !hex[0]; i++) {
                if (ph[i].p_type != PT_NOTE)
                    continue;
                size_t want = ph[i].p_filesz < NOTES_BYTES ? ph[i].p_filesz : NOTES_BYTES;
                int got = read_at(fd, ph[i].p_offset, s->notes, want);
                if (got > 0)
                    build_id_in_notes(s->notes, (size_t)got, hex);
            }
    }
    close(fd);
}

/* The vDSO has no file: its notes are read in memory. */
static void vdso_build_id(char *hex)
{
    const unsigned char *image = (const void *)getauxval(AT_SYSINFO_EHDR);
    const ElfW(Ehdr) *eh = (const void *)image;

    hex[0] = '\0';
    if (!image || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
        return;
    const ElfW(Phdr) *ph = (const void *)(image + eh->e_phoff);
    for (int i = 0; i < eh->e_phnum && !hex[0]; i++)
        if (ph[i].p_type == PT_NOTE)
            build_id_in_notes(image + ph[i].p_offset, ph[i].p_filesz, hex);
}

static const char *parse_hex(const char *p, uint64_t *out)
{
    uint64_t v = 0;

    for (;; p++) {
        unsigned d;
        if (*p >= '0' && *p <= '9')
            d = (unsigned)(*p - '0');
        else if (*p >= 'a' && *p <= 'f')
            d = (unsigned)(*p - 'a' + 10);
        else
            break;
        v = v << 4 | d;
    }
    *out = v;
    return p;
}

/* Emits the mapping described by one /proc/self/maps line, if it is an
 * executable mapping of a file or the vDSO. Returns 1 if emitted. */
static int emit_maps_line(struct writer *w, const char *line)
{
    struct fp_snap_mapping m = {0};
    struct scratch *s = w->s;
    const char *p = parse_hex(line, &m.start);
    char perms[5];

    if (*p++ != '-')
        return 0;
    p = parse_hex(p, &m.limit);
    if (*p++ != ' ' || strlen(p) < 5)
        return 0;
    memcpy(perms, p, 4);
    perms[4] = '\0';
    p = parse_hex(p + 5, &m.offset);
    for (int field = 0; field < 2 && *p; field++) { /* device, inode */
        while (*p == ' ')
            p++;
        while (*p && *p != ' ')
            p++;
    }
    while (*p == ' ')
        p++;
    if (perms[2] != 'x' || m.limit <= m.start || (p[0] != '/' && strcmp(p, "[vdso]") != 0) ||
        fp_maps_is_writer(p))
        return 0;
    if (strcmp(p, s->prev_path) != 0) {
        size_t n = strlen(p);
        memcpy(s->prev_path, p, n + 1);
        if (p[0] == '/')
            file_build_id(s, p, s->prev_build_id);
        else
            vdso_build_id(s->prev_build_id);
    }
    m.path_len = (uint16_t)(strlen(p) + 1);
    m.build_id_len = (uint16_t)(strlen(s->prev_build_id) + 1);
    emit(w, &m, sizeof(m));
    emit(w, p, m.path_len);
    emit(w, s->prev_build_id, m.build_id_len);
    emit_padding(w, sizeof(m) + m.path_len + m.build_id_len);
    return 1;
}

static void emit_mappings(struct writer *w)
{
    struct scratch *s = w->s;
    uint64_t at = begin_section(w);
    uint32_t count = 0;
    size_t line_len = 0;
    ssize_t n;
    int fd = fp_maps_open_self();

    s->prev_path[0] = '\0';
    while (fd >= 0 && ((n = read(fd, s->maps, sizeof(s->maps))) > 0 || (n < 0 && errno == EINTR))) {
        for (ssize_t i = 0; i < n; i++) {
            if (s->maps[i] != '\n') {
                if (line_len < sizeof(s->line) - 1)
                    s->line[line_len++] = s->maps[i];
                continue;
            }
            s->line[line_len] = '\0';
            count += (uint32_t)emit_maps_line(w, s->line);
            line_len = 0;
        }
    }
    if (fd >= 0)
        close(fd);
    end_section(w, at, FP_SNAP_SEC_MAPPINGS, count);
}

/* ---- threads ------------------------------------------------------------ */

_Static_assert(FP_SNAP_NAME_MAX == FP_THREAD_NAME_MAX, "thread names are copied as they are");

static void emit_threads(struct writer *w)
{
    uint64_t at = begin_section(w);
    uint32_t count = 0;

    for (size_t i = 0, end = fp_threads_end(); i < end; i++) {
        struct fp_thread *t = fp_threads_slot(i);
        int tid = atomic_load_explicit(&t->tid, memory_order_acquire);
        if (!tid)
            continue;
        struct fp_snap_thread rec = {
            .tid = tid,
            .parent_tid = t->parent_tid,
            .start_ns = t->start_ns,
            .exit_ns = atomic_load_explicit(&t->exit_ns, memory_order_relaxed),
            .start_routine = (uint64_t)(uintptr_t)t->start_routine,
            .overwritten = fp_ring_overwritten(tid),
        };
        fp_threads_copy_name(t, rec.name);
        emit(w, &rec, sizeof(rec));
        count++;
    }
    end_section(w, at, FP_SNAP_SEC_THREADS, count);
}

/* ---- events ------------------------------------------------------------- */

struct window {
    const struct fp_ring_clock *now;
    uint64_t cutoff_ns; /* events older than this are left out */
    uint64_t age_ns;    /* and counted as aged out if older than this too */
    uint64_t start_ns, end_ns, aged_out;
};

/* Converts the copied events' times to ns and drops those older than the
 * cutoff, compacting the rest in place. Returns the bytes kept. */
static size_t keep_recent(unsigned char *buf, size_t len, struct window *win, uint32_t *count)
{
    size_t in = 0, out = 0;

    *count = 0;
    while (in < len) {
        /* Events are packed: a header is not necessarily aligned. */
        struct fp_snap_event e;
        memcpy(&e, buf + in, sizeof(e));
        size_t size = e.size;
        uint64_t ns = fp_ring_ticks_to_ns(win->now, e.time_ns);
        in += size;
        if (ns < win->cutoff_ns) {
            win->aged_out += ns < win->age_ns;
            continue;
        }
        e.time_ns = ns;
        memcpy(buf + in - size, &e, sizeof(e));
        if (out != in - size)
            memmove(buf + out, buf + in - size, size);
        out += size;
        ++*count;
        if (!win->start_ns || ns < win->start_ns)
            win->start_ns = ns;
        if (ns > win->end_ns)
            win->end_ns = ns;
    }
    return out;
}

static void emit_chunks(struct writer *w, struct window *win)
{
    for (size_t i = 0; i < fp_ring_chunk_count(); i++) {
        struct fp_snap_chunk ch;
        uint32_t count;
        size_t len = fp_ring_copy_chunk(i, w->s->chunk, &ch.tid, &ch.tag);
        if (len == 0 || (len = keep_recent(w->s->chunk, len, win, &count)) == 0)
            continue;
        struct fp_snap_section sec = {FP_SNAP_SEC_CHUNK, count, sizeof(ch) + len};
        emit(w, &sec, sizeof(sec));
        emit(w, &ch, sizeof(ch));
        emit(w, w->s->chunk, len);
    }
}

/* ---- the file ----------------------------------------------------------- */

static void write_snapshot(struct writer *w, const struct fp_snapshot_request *req)
{
    struct fp_ring_clock now;
    struct fp_snap_header h = {0};
    struct window win = {.now = &now};

    fp_ring_clock_sample(&now);
    if (req->recorder_age_ns && now.mono_ns > req->recorder_age_ns)
        win.age_ns = now.mono_ns - req->recorder_age_ns;
    /* A window asked for by its start is not bound by age. */
    win.cutoff_ns = req->since_ns ? req->since_ns : win.age_ns;
    emit(w, &h, sizeof(h)); /* rewritten at the end, when the window is known */
    emit_executable(w);
    if (req->crash_depth > 0) {
        uint64_t pcs[FP_SNAP_STACK_MAX];
        int depth = req->crash_depth < FP_SNAP_STACK_MAX ? req->crash_depth : FP_SNAP_STACK_MAX;
        for (int i = 0; i < depth; i++)
            pcs[i] = req->crash_pcs[i];
        emit_section(w, FP_SNAP_SEC_CRASH_STACK, (uint32_t)depth, pcs, (size_t)depth * 8);
    }
    emit_mappings(w);
    emit_threads(w);
    emit_chunks(w, &win);
    emit_section(w, FP_SNAP_SEC_END, 0, NULL, 0);

    memcpy(h.magic, FP_SNAP_MAGIC, sizeof(h.magic));
    h.version = FP_SNAP_VERSION;
    h.header_size = sizeof(h);
    h.pid = getpid();
    h.trigger = req->trigger;
    h.sequence = req->sequence;
    h.mono_ns = now.mono_ns;
    h.wall_ns = now.wall_ns;
    h.window_start_ns = win.start_ns;
    h.window_end_ns = win.end_ns;
    h.signo = req->signo;
    h.si_code = req->si_code;
    h.fault_addr = req->fault_addr;
    h.crash_tid = req->crash_tid;
    h.exit_status = req->exit_status;
    h.recorder_size = req->recorder_size;
    h.recorder_age_ns = req->recorder_age_ns;
    h.events_dropped = fp_ring_dropped();
    h.events_aged_out = win.aged_out;
    h.cpu_period_ns = req->cpu_period_ns;
    patch(w, 0, &h, sizeof(h));
}

/* The snapshot's bytes into w->fd; 0, or -1 with errno. */
static int write_to(struct writer *w, const struct fp_snapshot_request *req)
{
    if (fp_ring_chunk_bytes() > CHUNK_COPY_BYTES) {
        errno = EINVAL;
        return -1;
    }
    write_snapshot(w, req);
    errno = w->failed;
    return w->failed ? -1 : 0;
}

int fp_snapshot_write_fd(int fd, const struct fp_snapshot_request *req,
                         enum fp_snapshot_context ctx)
{
    struct writer w = {.s = &scratch[ctx == FP_SNAPSHOT_CRASH], .fd = fd};

    return write_to(&w, req);
}

int fp_snapshot_write(const char *path, const struct fp_snapshot_request *req,
                      enum fp_snapshot_context ctx)
{
    char tmp[PATH_MAX];
    struct writer w = {.s = &scratch[ctx == FP_SNAPSHOT_CRASH]};

    w.fd = fp_outfile_open_temp(path, tmp, sizeof(tmp));
    if (w.fd < 0)
        return -1;
    if (write_to(&w, req) != 0) {
        int saved = errno;
        close(w.fd);
        unlink(tmp);
        errno = saved;
        return -1;
    }
    return fp_outfile_commit(w.fd, tmp, path);
}
