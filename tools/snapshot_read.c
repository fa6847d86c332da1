/*
 * The snapshot reader: loads a file, validates its structure completely
 * (every length and offset is bounds-checked before use), decodes the
 * events into an array sorted oldest first. Strings and stacks in the
 * decoded views point into the loaded copy of the file.
 *
 * Signal context: none.
 */
#include "snapshot_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

/* Larger files are refused rather than read: the recorder caps snapshots
 * well below this. */
#define MAX_FILE_SIZE (4ull << 30)

struct fp_sread {
    unsigned char *data; /* the whole file, 8-byte aligned */
    size_t len;
    struct fp_sread_info info;
    struct fp_sread_map *maps;
    size_t n_maps;
    struct fp_sread_thread_info *threads;
    size_t n_threads;
    struct fp_sread_ev *events;
    size_t n_events;
};

struct parser {
    struct fp_sread *snap;
    char *err;
    size_t errlen;
};

__attribute__((format(printf, 2, 3))) static bool fail(struct parser *p, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(p->err, p->errlen, fmt, ap);
    va_end(ap);
    return false;
}

/* ---- names ------------------------------------------------------------ */

#define NAME_OF(table, i) ((size_t)(i) < sizeof(table) / sizeof(table[0]) && table[i] ? table[i] : "?")

const char *fp_sread_alloc_name(int alloc_kind)
{
    static const char *const names[] = {
        [FP_ALLOC_MALLOC] = "malloc",       [FP_ALLOC_CALLOC] = "calloc",
        [FP_ALLOC_REALLOC] = "realloc",     [FP_ALLOC_REALLOCARRAY] = "reallocarray",
        [FP_ALLOC_POSIX_MEMALIGN] = "posix_memalign",
        [FP_ALLOC_ALIGNED_ALLOC] = "aligned_alloc",
        [FP_ALLOC_MEMALIGN] = "memalign",   [FP_ALLOC_VALLOC] = "valloc",
        [FP_ALLOC_PVALLOC] = "pvalloc",     [FP_ALLOC_MMAP] = "mmap",
    };
    _Static_assert(sizeof(names) / sizeof(names[0]) == FP_SNAP_ALLOC_KINDS, "alloc kinds");
    return NAME_OF(names, alloc_kind);
}

const char *fp_sread_lock_name(int lock_kind)
{
    static const char *const names[] = {
        [FP_LOCK_MUTEX] = "mutex",
        [FP_LOCK_RWLOCK_READ] = "rwlock-read",
        [FP_LOCK_RWLOCK_WRITE] = "rwlock-write",
    };
    _Static_assert(sizeof(names) / sizeof(names[0]) == FP_SNAP_LOCK_KINDS, "lock kinds");
    return NAME_OF(names, lock_kind);
}

const char *fp_sread_wait_name(int wait_kind)
{
    static const char *const names[FP_WAIT_KIND_COUNT] = {
        [FP_WAIT_COND] = "pthread_cond_wait",
        [FP_WAIT_COND_TIMED] = "pthread_cond_timedwait",
        [FP_WAIT_COND_CLOCK] = "pthread_cond_clockwait",
        [FP_WAIT_JOIN] = "pthread_join",
        [FP_WAIT_NANOSLEEP] = "nanosleep",
        [FP_WAIT_CLOCK_NANOSLEEP] = "clock_nanosleep",
        [FP_WAIT_USLEEP] = "usleep",
        [FP_WAIT_SLEEP] = "sleep",
        [FP_WAIT_POLL] = "poll",
        [FP_WAIT_PPOLL] = "ppoll",
        [FP_WAIT_SELECT] = "select",
        [FP_WAIT_PSELECT] = "pselect",
        [FP_WAIT_EPOLL_WAIT] = "epoll_wait",
        [FP_WAIT_EPOLL_PWAIT] = "epoll_pwait",
        [FP_WAIT_SEM] = "sem_wait",
        [FP_WAIT_SEM_TIMED] = "sem_timedwait",
        [FP_WAIT_SEM_CLOCK] = "sem_clockwait",
        [FP_WAIT_BARRIER] = "pthread_barrier_wait",
    };
    return NAME_OF(names, wait_kind);
}

const char *fp_sread_trigger_name(enum fp_snap_trigger trigger)
{
    static const char *const names[] = {
        [FP_SNAP_TRIGGER_SIGNAL] = "signal", [FP_SNAP_TRIGGER_API] = "api",
        [FP_SNAP_TRIGGER_CLI] = "cli",       [FP_SNAP_TRIGGER_CRASH] = "crash",
        [FP_SNAP_TRIGGER_ERROR] = "error",   [FP_SNAP_TRIGGER_EXIT] = "exit",
        [FP_SNAP_TRIGGER_HTTP] = "http",
    };
    return NAME_OF(names, trigger);
}

/* ---- bounded strings ------------------------------------------------------ */

/* A string of `len` bytes at `s` that must end with its only NUL. */
static bool valid_string(struct parser *p, const char *s, size_t len, const char *what)
{
    if (len == 0 || s[len - 1] != '\0')
        return fail(p, "corrupt %s: not NUL-terminated", what);
    if (strlen(s) != len - 1)
        return fail(p, "corrupt %s: embedded NUL", what);
    return true;
}

/* ---- sections ------------------------------------------------------------ */

static bool read_executable(struct parser *p, const struct fp_snap_section *sec,
                            const unsigned char *body)
{
    const char *s = (const char *)body;
    size_t n = strnlen(s, sec->size);

    if (n == sec->size)
        return fail(p, "corrupt executable section: not NUL-terminated");
    p->snap->info.executable = s;
    return true;
}

static bool read_crash_stack(struct parser *p, const struct fp_snap_section *sec,
                             const unsigned char *body)
{
    if (sec->count > FP_SNAP_STACK_MAX || sec->size != (uint64_t)sec->count * 8)
        return fail(p, "corrupt crash stack section (depth %u, %llu bytes)", sec->count,
                    (unsigned long long)sec->size);
    p->snap->info.crash_pcs = (const uint64_t *)body;
    p->snap->info.crash_depth = (int)sec->count;
    return true;
}

static bool read_mappings(struct parser *p, const struct fp_snap_section *sec,
                          const unsigned char *body)
{
    struct fp_sread *snap = p->snap;
    uint64_t off = 0;

    if (snap->maps)
        return fail(p, "corrupt file: two mappings sections");
    if (sec->count > sec->size / sizeof(struct fp_snap_mapping))
        return fail(p, "corrupt mappings section: %u records cannot fit in %llu bytes",
                    sec->count, (unsigned long long)sec->size);
    snap->maps = calloc(sec->count ? sec->count : 1, sizeof(*snap->maps));
    if (!snap->maps)
        return fail(p, "out of memory");
    for (uint32_t i = 0; i < sec->count; i++) {
        const struct fp_snap_mapping *m;
        if (sec->size - off < sizeof(*m))
            return fail(p, "corrupt mappings section: record %u is truncated", i);
        m = (const struct fp_snap_mapping *)(body + off);
        uint64_t rec = ((uint64_t)sizeof(*m) + m->path_len + m->build_id_len + 7) & ~7ull;
        if (rec > sec->size - off)
            return fail(p, "corrupt mappings section: record %u is truncated", i);
        const char *path = (const char *)(m + 1);
        const char *build_id = path + m->path_len;
        if (!valid_string(p, path, m->path_len, "mapping path") ||
            !valid_string(p, build_id, m->build_id_len, "mapping build-id"))
            return false;
        if (m->limit <= m->start)
            return fail(p, "corrupt mapping %u: empty address range", i);
        snap->maps[i] = (struct fp_sread_map){m->start, m->limit, m->offset, path, build_id};
        off += rec;
    }
    snap->n_maps = sec->count;
    return true;
}

static bool read_threads(struct parser *p, const struct fp_snap_section *sec,
                         const unsigned char *body)
{
    struct fp_sread *snap = p->snap;
    const struct fp_snap_thread *t = (const struct fp_snap_thread *)body;

    if (snap->threads)
        return fail(p, "corrupt file: two thread tables");
    if (sec->size != (uint64_t)sec->count * sizeof(*t))
        return fail(p, "corrupt thread table: %u entries in %llu bytes", sec->count,
                    (unsigned long long)sec->size);
    /* One spare entry per chunk may be added later for threads that have
     * events but no table entry; allocated then. */
    snap->threads = calloc(sec->count ? sec->count : 1, sizeof(*snap->threads));
    if (!snap->threads)
        return fail(p, "out of memory");
    for (uint32_t i = 0; i < sec->count; i++) {
        if (memchr(t[i].name, '\0', sizeof(t[i].name)) == NULL)
            return fail(p, "corrupt thread table: name of thread %d not terminated", t[i].tid);
        snap->threads[i] = (struct fp_sread_thread_info){
            .tid = t[i].tid, .parent_tid = t[i].parent_tid, .start_ns = t[i].start_ns,
            .exit_ns = t[i].exit_ns, .start_routine = t[i].start_routine,
            .overwritten = t[i].overwritten, .name = t[i].name,
        };
        snap->info.events_overwritten += t[i].overwritten;
    }
    snap->n_threads = sec->count;
    return true;
}

/* ---- events ----------------------------------------------------------------- */

/* Checks that an event's payload is exactly `need` bytes once padded. */
static bool payload_fits(struct parser *p, const struct fp_snap_event *e, size_t need)
{
    size_t have = e->size - sizeof(*e);

    if (have < need || have - need >= 8)
        return fail(p, "corrupt %s event: %zu payload bytes, expected %zu",
                    fp_snap_kind_name(e->kind), have, need);
    return true;
}

static bool decode_string_event(struct parser *p, const struct fp_snap_event *e,
                                const void *pl, struct fp_sread_ev *out)
{
    const struct fp_ev_string *s = pl;

    if (e->size - sizeof(*e) < sizeof(*s))
        return fail(p, "corrupt %s event: too short", fp_snap_kind_name(e->kind));
    if (s->len > FP_SNAP_STRING_MAX || !payload_fits(p, e, sizeof(*s) + s->len))
        return fail(p, "corrupt %s event: bad string length %u", fp_snap_kind_name(e->kind),
                    s->len);
    out->u.text.str = (const char *)(s + 1);
    return valid_string(p, out->u.text.str, s->len, "event string");
}

static bool decode_log(struct parser *p, const struct fp_snap_event *e, const void *pl,
                       struct fp_sread_ev *out)
{
    const struct fp_ev_log *l = pl;

    if (e->size - sizeof(*e) < sizeof(*l))
        return fail(p, "corrupt log event: too short");
    if (l->category_len > FP_SNAP_LOG_CATEGORY_MAX || l->message_len > FP_SNAP_LOG_MESSAGE_MAX ||
        !payload_fits(p, e, sizeof(*l) + l->category_len + l->message_len))
        return fail(p, "corrupt log event: bad string lengths");
    out->u.log.category = (const char *)(l + 1);
    out->u.log.message = out->u.log.category + l->category_len;
    return valid_string(p, out->u.log.category, l->category_len, "log category") &&
           valid_string(p, out->u.log.message, l->message_len, "log message");
}

static bool decode_cpu(struct parser *p, const struct fp_snap_event *e, const void *pl,
                       struct fp_sread_ev *out)
{
    const struct fp_ev_cpu_sample *c = pl;

    if (e->size - sizeof(*e) < sizeof(*c))
        return fail(p, "corrupt cpu-sample event: too short");
    if (c->depth > FP_SNAP_STACK_MAX || !payload_fits(p, e, sizeof(*c) + c->depth * 8ull))
        return fail(p, "corrupt cpu-sample event: bad depth %u", c->depth);
    out->u.cpu.pcs = (const uint64_t *)(c + 1);
    out->u.cpu.depth = (int)c->depth;
    return true;
}

static bool check_sub(struct parser *p, const struct fp_snap_event *e, int limit)
{
    if (e->sub >= limit)
        return fail(p, "corrupt %s event: unknown subtype %u", fp_snap_kind_name(e->kind),
                    e->sub);
    return true;
}

/* Decodes the payload of one event whose header is known to be in bounds. */
static bool decode_event(struct parser *p, const struct fp_snap_event *e, struct fp_sread_ev *out)
{
    const void *pl = e + 1;

    out->time_ns = e->time_ns;
    out->kind = (enum fp_snap_event_kind)e->kind;
    out->sub = e->sub;
    switch (e->kind) {
    case FP_EV_THREAD_START: {
        const struct fp_ev_thread_start *t = pl;
        if (!payload_fits(p, e, sizeof(*t)))
            return false;
        out->u.thread_start.parent_tid = t->parent_tid;
        out->u.thread_start.start_routine = t->start_routine;
        return true;
    }
    case FP_EV_THREAD_EXIT:
    case FP_EV_REGION_END:
        return payload_fits(p, e, 0);
    case FP_EV_THREAD_NAME: {
        const struct fp_ev_thread_name *n = pl;
        if (!payload_fits(p, e, sizeof(*n)))
            return false;
        if (!memchr(n->name, '\0', sizeof(n->name)))
            return fail(p, "corrupt thread-name event: name not terminated");
        out->u.thread_name.tid = n->tid;
        out->u.thread_name.name = n->name;
        return true;
    }
    case FP_EV_ALLOC:
    case FP_EV_MUNMAP: {
        const struct fp_ev_alloc *a = pl;
        if (!payload_fits(p, e, sizeof(*a)) ||
            (e->kind == FP_EV_ALLOC && !check_sub(p, e, FP_SNAP_ALLOC_KINDS)))
            return false;
        out->u.alloc.ptr = a->ptr;
        out->u.alloc.size = a->size;
        out->u.alloc.caller = a->caller;
        return true;
    }
    case FP_EV_REALLOC: {
        const struct fp_ev_realloc *r = pl;
        if (!payload_fits(p, e, sizeof(*r)))
            return false;
        out->u.realloc.old_ptr = r->old_ptr;
        out->u.realloc.new_ptr = r->new_ptr;
        out->u.realloc.size = r->size;
        out->u.realloc.caller = r->caller;
        return true;
    }
    case FP_EV_FREE: {
        const struct fp_ev_free *f = pl;
        if (!payload_fits(p, e, sizeof(*f)))
            return false;
        out->u.free.ptr = f->ptr;
        out->u.free.caller = f->caller;
        return true;
    }
    case FP_EV_LOCK_WAIT:
    case FP_EV_WAIT: {
        const struct fp_ev_wait *w = pl;
        int limit = e->kind == FP_EV_WAIT ? FP_WAIT_KIND_COUNT : FP_SNAP_LOCK_KINDS;
        if (!payload_fits(p, e, sizeof(*w)) || !check_sub(p, e, limit))
            return false;
        out->u.wait.object = w->object;
        out->u.wait.wait_ns = w->wait_ns;
        out->u.wait.caller = w->caller;
        return true;
    }
    case FP_EV_CPU_SAMPLE:
        return decode_cpu(p, e, pl, out);
    case FP_EV_FORK:
    case FP_EV_EXIT: {
        const struct fp_ev_int *n = pl;
        if (!payload_fits(p, e, sizeof(*n)))
            return false;
        out->u.num.value = n->value;
        return true;
    }
    case FP_EV_EXEC:
    case FP_EV_REGION_BEGIN:
        return decode_string_event(p, e, pl, out);
    case FP_EV_SIGNAL: {
        const struct fp_ev_signal *s = pl;
        if (!payload_fits(p, e, sizeof(*s)))
            return false;
        out->u.signal.signo = s->signo;
        out->u.signal.si_code = s->si_code;
        out->u.signal.addr = s->addr;
        return true;
    }
    case FP_EV_LOG:
        return decode_log(p, e, pl, out);
    default:
        return fail(p, "corrupt event: unknown kind %u", e->kind);
    }
}

static bool grow_events(struct parser *p, size_t more)
{
    static const size_t max_events = SIZE_MAX / sizeof(struct fp_sread_ev) / 2;
    struct fp_sread *snap = p->snap;
    size_t need = snap->n_events + more;

    if (more > max_events || need > max_events)
        return fail(p, "corrupt file: too many events");
    struct fp_sread_ev *v = realloc(snap->events, (need ? need : 1) * sizeof(*v));
    if (!v)
        return fail(p, "out of memory");
    snap->events = v;
    return true;
}

static bool read_chunk(struct parser *p, const struct fp_snap_section *sec,
                       const unsigned char *body)
{
    const struct fp_snap_chunk *c = (const struct fp_snap_chunk *)body;
    uint64_t off = sizeof(*c);

    if (sec->size < sizeof(*c))
        return fail(p, "corrupt chunk section: %llu bytes", (unsigned long long)sec->size);
    /* Every event is at least 16 bytes: a count beyond that is a lie. */
    if (sec->count > (sec->size - sizeof(*c)) / sizeof(struct fp_snap_event))
        return fail(p, "corrupt chunk of thread %d: %u events cannot fit in %llu bytes", c->tid,
                    sec->count, (unsigned long long)sec->size);
    if (!grow_events(p, sec->count))
        return false;
    for (uint32_t i = 0; i < sec->count; i++) {
        const struct fp_snap_event *e;
        if (sec->size - off < sizeof(*e))
            return fail(p, "corrupt chunk of thread %d: event %u is truncated", c->tid, i);
        e = (const struct fp_snap_event *)(body + off);
        if (e->size < sizeof(*e) || e->size % 8 || e->size > FP_SNAP_EVENT_MAX ||
            e->size > sec->size - off)
            return fail(p, "corrupt chunk of thread %d: event %u has bad size %u", c->tid, i,
                        e->size);
        if (e->tag != c->tag)
            return fail(p, "corrupt chunk of thread %d: event %u does not belong to it", c->tid,
                        i);
        struct fp_sread_ev *out = &p->snap->events[p->snap->n_events];
        memset(out, 0, sizeof(*out));
        out->tid = c->tid;
        if (!decode_event(p, e, out))
            return false;
        p->snap->n_events++;
        off += e->size;
    }
    if (off != sec->size)
        return fail(p, "corrupt chunk of thread %d: %llu bytes after its %u events", c->tid,
                    (unsigned long long)(sec->size - off), sec->count);
    return true;
}

/* ---- the file ---------------------------------------------------------------- */

static bool read_header(struct parser *p)
{
    const struct fp_sread *snap = p->snap;
    const struct fp_snap_header *h = (const struct fp_snap_header *)snap->data;
    struct fp_sread_info *info = &p->snap->info;

    if (snap->len < sizeof(h->magic) || memcmp(h->magic, FP_SNAP_MAGIC, sizeof(h->magic)) != 0)
        return fail(p, "not a flightprof snapshot (bad magic)");
    if (snap->len < offsetof(struct fp_snap_header, header_size) + sizeof(h->header_size))
        return fail(p, "truncated: the header is incomplete");
    if (h->version != FP_SNAP_VERSION)
        return fail(p, "unsupported snapshot format version %u (this reader knows %u)",
                    h->version, FP_SNAP_VERSION);
    if (h->header_size < FP_SNAP_HEADER_MIN || h->header_size % 8)
        return fail(p, "corrupt header: size %u", h->header_size);
    if (snap->len < h->header_size)
        return fail(p, "truncated: the header is incomplete");
    if (h->trigger < FP_SNAP_TRIGGER_SIGNAL || h->trigger > FP_SNAP_TRIGGER_LAST)
        return fail(p, "corrupt header: unknown trigger %u", h->trigger);
    if (h->window_end_ns < h->window_start_ns)
        return fail(p, "corrupt header: window ends before it starts");
    *info = (struct fp_sread_info){
        .version = h->version, .pid = h->pid, .trigger = (enum fp_snap_trigger)h->trigger,
        .sequence = h->sequence, .mono_ns = h->mono_ns, .wall_ns = h->wall_ns,
        .window_start_ns = h->window_start_ns, .window_end_ns = h->window_end_ns,
        .signo = h->signo, .si_code = h->si_code, .fault_addr = h->fault_addr,
        .crash_tid = h->crash_tid, .exit_status = h->exit_status,
        .recorder_size = h->recorder_size, .recorder_age_ns = h->recorder_age_ns,
        .events_dropped = h->events_dropped, .events_aged_out = h->events_aged_out,
        .executable = "",
    };
    if (h->header_size >= offsetof(struct fp_snap_header, cpu_period_ns) + sizeof(h->cpu_period_ns))
        info->cpu_period_ns = h->cpu_period_ns;
    /* FLIGHTPROF_HZ is 1..FP_HZ_MAX. */
    if (info->cpu_period_ns && (info->cpu_period_ns < 1000000000u / FP_HZ_MAX ||
                                info->cpu_period_ns > 1000000000u))
        return fail(p, "corrupt header: CPU sample period %llu ns",
                    (unsigned long long)info->cpu_period_ns);
    return true;
}

static bool read_section(struct parser *p, const struct fp_snap_section *sec,
                         const unsigned char *body)
{
    switch (sec->kind) {
    case FP_SNAP_SEC_EXECUTABLE: return read_executable(p, sec, body);
    case FP_SNAP_SEC_CRASH_STACK: return read_crash_stack(p, sec, body);
    case FP_SNAP_SEC_MAPPINGS: return read_mappings(p, sec, body);
    case FP_SNAP_SEC_THREADS: return read_threads(p, sec, body);
    case FP_SNAP_SEC_CHUNK: return read_chunk(p, sec, body);
    default: return true; /* a later version's section: skipped */
    }
}

static bool read_sections(struct parser *p)
{
    const struct fp_snap_header *h = (const struct fp_snap_header *)p->snap->data;
    size_t off = h->header_size;
    size_t len = p->snap->len;

    for (unsigned n = 0;; n++) {
        const struct fp_snap_section *sec;
        if (len - off < sizeof(*sec))
            return fail(p, "truncated: file ends at byte %zu, inside or before section %u", len,
                        n);
        sec = (const struct fp_snap_section *)(p->snap->data + off);
        off += sizeof(*sec);
        if (sec->kind == FP_SNAP_SEC_END) {
            if (sec->size != 0 || off != len)
                return fail(p, "corrupt file: %zu bytes after the end marker", len - off);
            break;
        }
        if (sec->size % 8)
            return fail(p, "corrupt section %u: size %llu is not a multiple of 8", n,
                        (unsigned long long)sec->size);
        if (sec->size > len - off)
            return fail(p, "truncated: section %u needs %llu bytes, the file has %zu left", n,
                        (unsigned long long)sec->size, len - off);
        if (!read_section(p, sec, p->snap->data + off))
            return false;
        off += sec->size;
    }
    return true;
}

static bool earlier(const struct fp_sread_ev *a, const struct fp_sread_ev *b)
{
    return a->time_ns < b->time_ns;
}

/* A stable merge sort by time (qsort is not stable, and equal times must
 * keep each thread's recording order). */
static void sort_events(struct fp_sread_ev *v, struct fp_sread_ev *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t half = n / 2;
    sort_events(v, tmp, half);
    sort_events(v + half, tmp, n - half);
    if (!earlier(&v[half], &v[half - 1]))
        return; /* already in order: the common case for one thread's chunk */
    size_t i = 0, j = half, k = 0;
    while (i < half && j < n)
        tmp[k++] = earlier(&v[j], &v[i]) ? v[j++] : v[i++];
    while (i < half)
        tmp[k++] = v[i++];
    memcpy(v, tmp, k * sizeof(*v));
}

static struct fp_sread_thread_info *thread_entry(struct fp_sread *snap, int tid)
{
    struct fp_sread_thread_info *t = (struct fp_sread_thread_info *)fp_sread_thread_by_tid(snap, tid);

    if (t)
        return t;
    t = realloc(snap->threads, (snap->n_threads + 1) * sizeof(*t));
    if (!t)
        return NULL;
    snap->threads = t;
    t += snap->n_threads++;
    *t = (struct fp_sread_thread_info){.tid = tid, .name = ""};
    return t;
}

/* Sorts the events oldest first and counts each thread's, adding table
 * entries for threads that have events but none. */
static bool index_events(struct parser *p)
{
    struct fp_sread *snap = p->snap;
    struct fp_sread_ev *tmp = malloc((snap->n_events ? snap->n_events : 1) * sizeof(*tmp));
    size_t last = SIZE_MAX; /* index of the previous event's thread */

    if (!tmp)
        return fail(p, "out of memory");
    sort_events(snap->events, tmp, snap->n_events);
    free(tmp);
    for (size_t i = 0; i < snap->n_events; i++) {
        int tid = snap->events[i].tid;
        if (last == SIZE_MAX || snap->threads[last].tid != tid) {
            struct fp_sread_thread_info *t = thread_entry(snap, tid);
            if (!t)
                return fail(p, "out of memory");
            last = (size_t)(t - snap->threads);
        }
        snap->threads[last].events++;
    }
    return true;
}

struct fp_sread *fp_sread_parse(const void *data, size_t len, char *err, size_t errlen)
{
    struct fp_sread *snap = calloc(1, sizeof(*snap));
    struct parser p = {snap, err, errlen};

    if (!snap || !(snap->data = malloc(len ? len : 1))) {
        snprintf(err, errlen, "out of memory");
        free(snap);
        return NULL;
    }
    memcpy(snap->data, data, len);
    snap->len = len;
    if (!read_header(&p) || !read_sections(&p) || !index_events(&p)) {
        fp_sread_close(snap);
        return NULL;
    }
    return snap;
}

static void *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    unsigned char *buf = NULL;
    size_t got = 0;

    if (fd < 0) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_FILE_SIZE) {
        snprintf(err, errlen, "not a regular file of a plausible size");
        goto out;
    }
    buf = malloc(st.st_size ? (size_t)st.st_size : 1);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, errlen, "read error: %s", n < 0 ? strerror(errno) : "file shrank");
            free(buf);
            buf = NULL;
            goto out;
        }
        got += (size_t)n;
    }
    *len = got;
out:
    close(fd);
    return buf;
}

struct fp_sread *fp_sread_open(const char *path, char *err, size_t errlen)
{
    size_t len = 0;
    void *buf = read_file(path, &len, err, errlen);

    if (!buf)
        return NULL;
    struct fp_sread *snap = fp_sread_parse(buf, len, err, errlen);
    free(buf);
    return snap;
}

void fp_sread_close(struct fp_sread *snap)
{
    if (!snap)
        return;
    free(snap->data);
    free(snap->maps);
    free(snap->threads);
    free(snap->events);
    free(snap);
}

/* ---- accessors -------------------------------------------------------------- */

const struct fp_sread_info *fp_sread_info(const struct fp_sread *snap) { return &snap->info; }
size_t fp_sread_map_count(const struct fp_sread *snap) { return snap->n_maps; }
size_t fp_sread_thread_count(const struct fp_sread *snap) { return snap->n_threads; }
size_t fp_sread_event_count(const struct fp_sread *snap) { return snap->n_events; }

const struct fp_sread_map *fp_sread_map(const struct fp_sread *snap, size_t i)
{
    return i < snap->n_maps ? &snap->maps[i] : NULL;
}

const struct fp_sread_thread_info *fp_sread_thread(const struct fp_sread *snap, size_t i)
{
    return i < snap->n_threads ? &snap->threads[i] : NULL;
}

const struct fp_sread_thread_info *fp_sread_thread_by_tid(const struct fp_sread *snap, int tid)
{
    for (size_t i = 0; i < snap->n_threads; i++)
        if (snap->threads[i].tid == tid)
            return &snap->threads[i];
    return NULL;
}

const struct fp_sread_ev *fp_sread_event(const struct fp_sread *snap, size_t i)
{
    return i < snap->n_events ? &snap->events[i] : NULL;
}
