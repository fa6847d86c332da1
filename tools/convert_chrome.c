/*
 * `flightprof convert -f chrome`: a snapshot as Chrome Trace Event JSON
 * (Perfetto UI, chrome://tracing). Threads get thread_name metadata; waits,
 * lock contention, sleeps and regions become complete ("X") slices; the
 * other events become instants ("i"); live heap bytes are a counter ("C").
 * Times are microseconds from the window start with nanosecond decimals.
 *
 * Slices are collected first and written last: a region's end comes after
 * its begin, and slices on one thread must nest perfectly for the viewers,
 * which corrupt or imprecise input could break.
 * Signal context: none.
 */
#include "convert.h"

#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "convert_live.h"
#include "json_out.h"
#include "log.h"

#define OPEN_REGIONS_MAX 4096 /* begins still waiting for an end, all threads */

enum slice_flags {
    SLICE_BEGUN_BEFORE = 1, /* a region whose begin is not in the window */
    SLICE_UNFINISHED = 2,   /* a region still open when the snapshot was taken */
    SLICE_CLIPPED = 4,      /* shortened to nest inside the enclosing slice */
};

struct slice {
    int tid;
    unsigned flags;
    uint64_t start, end; /* monotonic ns */
    size_t ev;           /* the wait event, or the region's begin event */
    const char *region;  /* a region's name; NULL for waits */
};

struct open_region {
    int tid;
    uint64_t start;
    size_t ev;
    const char *name;
};

struct chrome {
    const struct convert_src *src;
    struct json_out j;
    int pid;
    uint64_t base, end; /* the window, monotonic ns */
    struct slice *slices;
    size_t nslices, cap;
    struct open_region open[OPEN_REGIONS_MAX];
    size_t nopen;
    struct convert_live live;
    bool oom;
};

/* ---- events ------------------------------------------------------------ */

/* The time from `from` to `to` in ns, 0 if negative; capped so that corrupt
 * times cannot wrap into negative JSON numbers. */
static int64_t span(uint64_t from, uint64_t to)
{
    if (to <= from)
        return 0;
    return to - from > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)(to - from);
}

static int64_t rel(const struct chrome *c, uint64_t t)
{
    return span(c->base, t);
}

static void add_slice(struct chrome *c, struct slice s)
{
    /* Within the (capped) window, so that nesting decided here holds for
     * the times written. */
    if (s.end > c->end)
        s.end = c->end;
    if (s.start > s.end)
        s.start = s.end;
    if (c->nslices == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 1024;
        struct slice *v = realloc(c->slices, cap * sizeof(*v));
        if (!v) {
            c->oom = true;
            return;
        }
        c->slices = v;
        c->cap = cap;
    }
    c->slices[c->nslices++] = s;
}

/* Starts an event object with the fields every event has. */
static void begin_event(struct chrome *c, const char *ph, const char *name, const char *cat, int tid,
                        uint64_t t)
{
    json_begin_object(&c->j);
    json_kv_string(&c->j, "ph", ph);
    json_kv_string(&c->j, "name", name);
    if (cat)
        json_kv_string(&c->j, "cat", cat);
    json_kv_int(&c->j, "pid", c->pid);
    json_kv_int(&c->j, "tid", tid);
    json_kv_micros(&c->j, "ts", rel(c, t));
}

static void kv_hex(struct chrome *c, const char *key, uint64_t v)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
    json_kv_string(&c->j, key, buf);
}

static void kv_code(struct chrome *c, const char *key, uint64_t pc, bool exact)
{
    if (pc)
        json_kv_string(&c->j, key, convert_describe(c->src, convert_location(pc, exact)));
}

/* args.stack: one line per frame, innermost first. */
static void kv_stack(struct chrome *c, const uint64_t *pcs, int depth, bool leaf_exact)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        c->oom = true;
        return;
    }
    uint64_t locs[FP_SNAP_STACK_MAX];
    int n = convert_stack(c->src, pcs, depth < FP_SNAP_STACK_MAX ? depth : FP_SNAP_STACK_MAX,
                          leaf_exact, locs);
    for (int i = 0; i < n; i++) {
        const char *frame = convert_describe(c->src, locs[i]);
        fprintf(f, "%s%s", i ? "\n" : "", frame ? frame : "?");
    }
    fclose(f);
    json_key(&c->j, "stack");
    json_string_n(&c->j, text, len);
    free(text);
}

/* An instant with its args object left open for the caller's fields. */
static void begin_instant(struct chrome *c, const struct fp_sread_ev *ev, const char *name,
                          const char *cat, const char *scope)
{
    begin_event(c, "i", name, cat, ev->tid, ev->time_ns);
    json_kv_string(&c->j, "s", scope);
    json_key(&c->j, "args");
    json_begin_object(&c->j);
}

static void end_instant(struct chrome *c)
{
    json_end_object(&c->j);
    json_end_object(&c->j);
}

static void live_heap_counter(struct chrome *c, uint64_t t, uint64_t before)
{
    if (c->live.bytes == before)
        return;
    begin_event(c, "C", "live heap", "alloc", c->pid, t);
    json_key(&c->j, "args");
    json_begin_object(&c->j);
    json_key(&c->j, "bytes");
    json_uint(&c->j, c->live.bytes);
    json_end_object(&c->j);
    json_end_object(&c->j);
}

static void memory_event(struct chrome *c, const struct fp_sread_ev *ev)
{
    uint64_t before = c->live.bytes;
    int rc = 0;

    switch (ev->kind) {
    case FP_EV_ALLOC:
        begin_instant(c, ev, fp_sread_alloc_name(ev->sub), "alloc", "t");
        kv_hex(c, "ptr", ev->u.alloc.ptr);
        json_key(&c->j, "size");
        json_uint(&c->j, ev->u.alloc.size);
        kv_code(c, "caller", ev->u.alloc.caller, false);
        rc = convert_live_add(&c->live, ev->u.alloc.ptr, ev->u.alloc.size);
        break;
    case FP_EV_REALLOC:
        begin_instant(c, ev, "realloc", "alloc", "t");
        kv_hex(c, "old_ptr", ev->u.realloc.old_ptr);
        kv_hex(c, "new_ptr", ev->u.realloc.new_ptr);
        json_key(&c->j, "size");
        json_uint(&c->j, ev->u.realloc.size);
        kv_code(c, "caller", ev->u.realloc.caller, false);
        convert_live_remove(&c->live, ev->u.realloc.old_ptr);
        rc = convert_live_add(&c->live, ev->u.realloc.new_ptr, ev->u.realloc.size);
        break;
    case FP_EV_FREE:
        begin_instant(c, ev, "free", "alloc", "t");
        kv_hex(c, "ptr", ev->u.free.ptr);
        kv_code(c, "caller", ev->u.free.caller, false);
        convert_live_remove(&c->live, ev->u.free.ptr);
        break;
    default: /* FP_EV_MUNMAP */
        begin_instant(c, ev, "munmap", "alloc", "t");
        kv_hex(c, "ptr", ev->u.alloc.ptr);
        json_key(&c->j, "size");
        json_uint(&c->j, ev->u.alloc.size);
        kv_code(c, "caller", ev->u.alloc.caller, false);
        convert_live_remove(&c->live, ev->u.alloc.ptr);
        break;
    }
    end_instant(c);
    c->oom |= rc != 0;
    live_heap_counter(c, ev->time_ns, before);
}

static void wait_event(struct chrome *c, const struct fp_sread_ev *ev, size_t index)
{
    /* A wait that began before the window is cut at its start (args
     * keep the whole wait_ns). */
    uint64_t wait = ev->u.wait.wait_ns;
    uint64_t start = wait < ev->time_ns - c->base ? ev->time_ns - wait : c->base;
    add_slice(c, (struct slice){.tid = ev->tid, .start = start, .end = ev->time_ns, .ev = index});
}

static void region_begin(struct chrome *c, const struct fp_sread_ev *ev, size_t index)
{
    if (c->nopen == OPEN_REGIONS_MAX)
        return; /* pathological nesting: the deepest regions are not shown */
    c->open[c->nopen++] = (struct open_region){ev->tid, ev->time_ns, index, ev->u.text.str};
}

/* Closes the thread's innermost open region, or one begun before the window. */
static void region_end(struct chrome *c, const struct fp_sread_ev *ev)
{
    struct slice s = {.tid = ev->tid, .start = c->base, .end = ev->time_ns, .flags = SLICE_BEGUN_BEFORE};
    for (size_t i = c->nopen; i-- > 0;) {
        if (c->open[i].tid != ev->tid)
            continue;
        s = (struct slice){.tid = ev->tid, .start = c->open[i].start, .end = ev->time_ns,
                           .ev = c->open[i].ev, .region = c->open[i].name};
        memmove(&c->open[i], &c->open[i + 1], (c->nopen - i - 1) * sizeof(c->open[0]));
        c->nopen--;
        break;
    }
    add_slice(c, s);
}

static void signal_event(struct chrome *c, const struct fp_sread_ev *ev)
{
    const char *abbrev = sigabbrev_np(ev->u.signal.signo);
    char name[32];
    snprintf(name, sizeof(name), "SIG%s", abbrev ? abbrev : "?");
    begin_instant(c, ev, name, "signal", "p");
    json_kv_int(&c->j, "signo", ev->u.signal.signo);
    json_kv_int(&c->j, "si_code", ev->u.signal.si_code);
    kv_hex(c, "addr", ev->u.signal.addr);
    end_instant(c);
}

static void other_event(struct chrome *c, const struct fp_sread_ev *ev)
{
    switch (ev->kind) {
    case FP_EV_THREAD_START:
        begin_instant(c, ev, "thread start", "thread", "t");
        json_kv_int(&c->j, "parent_tid", ev->u.thread_start.parent_tid);
        kv_code(c, "start_routine", ev->u.thread_start.start_routine, true);
        break;
    case FP_EV_THREAD_NAME:
        begin_instant(c, ev, "thread name", "thread", "t");
        json_kv_int(&c->j, "tid", ev->u.thread_name.tid);
        json_kv_string(&c->j, "name", ev->u.thread_name.name);
        break;
    case FP_EV_CPU_SAMPLE:
        begin_instant(c, ev, "cpu sample", "cpu", "t");
        kv_stack(c, ev->u.cpu.pcs, ev->u.cpu.depth, true);
        break;
    case FP_EV_FORK:
    case FP_EV_EXIT:
        begin_instant(c, ev, fp_snap_kind_name(ev->kind), "process", "p");
        json_kv_int(&c->j, ev->kind == FP_EV_FORK ? "child_pid" : "status", ev->u.num.value);
        break;
    case FP_EV_EXEC:
        begin_instant(c, ev, "exec", "process", "p");
        json_kv_string(&c->j, "path", ev->u.text.str);
        break;
    case FP_EV_LOG:
        begin_instant(c, ev, ev->u.log.category[0] ? ev->u.log.category : "log", "log", "t");
        json_kv_string(&c->j, "category", ev->u.log.category);
        json_kv_string(&c->j, "message", ev->u.log.message);
        break;
    case FP_EV_THREAD_EXIT:
        begin_instant(c, ev, "thread exit", "thread", "t");
        break;
    default: /* kinds this version does not know */
        begin_instant(c, ev, fp_snap_kind_name(ev->kind), "other", "t");
        break;
    }
    end_instant(c);
}

static void write_event(struct chrome *c, const struct fp_sread_ev *ev, size_t index)
{
    switch (ev->kind) {
    case FP_EV_ALLOC:
    case FP_EV_REALLOC:
    case FP_EV_FREE:
    case FP_EV_MUNMAP:
        memory_event(c, ev);
        break;
    case FP_EV_LOCK_WAIT:
    case FP_EV_WAIT:
        wait_event(c, ev, index);
        break;
    case FP_EV_REGION_BEGIN:
        region_begin(c, ev, index);
        break;
    case FP_EV_REGION_END:
        region_end(c, ev);
        break;
    case FP_EV_SIGNAL:
        signal_event(c, ev);
        break;
    default:
        other_event(c, ev);
    }
}

/* ---- slices ------------------------------------------------------------ */

static int slice_order(const void *a, const void *b)
{
    const struct slice *x = a, *y = b;
    if (x->tid != y->tid)
        return x->tid < y->tid ? -1 : 1;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1; /* the enclosing one first */
    return x->ev < y->ev ? -1 : x->ev > y->ev;
}

/* Sorts the slices and shortens any that would overlap its enclosing
 * slice without nesting in it. */
static void nest_slices(struct chrome *c)
{
    size_t *stack = malloc((c->nslices + 1) * sizeof(*stack));
    size_t depth = 0;
    if (!stack) {
        c->oom = true;
        return;
    }
    if (c->nslices > 1)
        qsort(c->slices, c->nslices, sizeof(*c->slices), slice_order);
    for (size_t i = 0; i < c->nslices; i++) {
        struct slice *s = &c->slices[i];
        if (i > 0 && s->tid != c->slices[i - 1].tid)
            depth = 0;
        while (depth > 0 && c->slices[stack[depth - 1]].end <= s->start)
            depth--;
        if (depth > 0 && s->end > c->slices[stack[depth - 1]].end) {
            s->end = c->slices[stack[depth - 1]].end;
            s->flags |= SLICE_CLIPPED;
        }
        stack[depth++] = i;
    }
    free(stack);
}

static const char *wait_category(int wait_kind)
{
    switch (wait_kind) {
    case FP_WAIT_NANOSLEEP:
    case FP_WAIT_CLOCK_NANOSLEEP:
    case FP_WAIT_USLEEP:
    case FP_WAIT_SLEEP:
        return "sleep";
    case FP_WAIT_POLL:
    case FP_WAIT_PPOLL:
    case FP_WAIT_SELECT:
    case FP_WAIT_PSELECT:
    case FP_WAIT_EPOLL_WAIT:
    case FP_WAIT_EPOLL_PWAIT:
        return "io";
    default:
        return "wait";
    }
}

static void write_wait_slice(struct chrome *c, const struct slice *s, const struct fp_sread_ev *ev)
{
    char name[64];
    if (ev->kind == FP_EV_LOCK_WAIT)
        snprintf(name, sizeof(name), "%s wait", fp_sread_lock_name(ev->sub));
    begin_event(c, "X", ev->kind == FP_EV_LOCK_WAIT ? name : fp_sread_wait_name(ev->sub),
                ev->kind == FP_EV_LOCK_WAIT ? "lock" : wait_category(ev->sub), s->tid, s->start);
    json_kv_micros(&c->j, "dur", span(s->start, s->end));
    json_key(&c->j, "args");
    json_begin_object(&c->j);
    kv_hex(c, "object", ev->u.wait.object);
    json_key(&c->j, "wait_ns");
    json_uint(&c->j, ev->u.wait.wait_ns);
    kv_code(c, "caller", ev->u.wait.caller, false);
}

static void write_slice(struct chrome *c, const struct slice *s)
{
    if (s->region || (s->flags & SLICE_BEGUN_BEFORE)) {
        begin_event(c, "X", s->region ? s->region : "region (begun before the window)", "region",
                    s->tid, s->start);
        json_kv_micros(&c->j, "dur", span(s->start, s->end));
        json_key(&c->j, "args");
        json_begin_object(&c->j);
    } else {
        write_wait_slice(c, s, fp_sread_event(c->src->snap, s->ev));
    }
    if (s->flags & SLICE_BEGUN_BEFORE)
        json_kv_string(&c->j, "begin", "before the window");
    if (s->flags & SLICE_UNFINISHED)
        json_kv_string(&c->j, "end", "after the snapshot");
    if (s->flags & SLICE_CLIPPED)
        json_kv_string(&c->j, "clipped", "shortened to nest in the enclosing slice");
    json_end_object(&c->j);
    json_end_object(&c->j);
}

/* ---- the document ------------------------------------------------------ */

static void metadata(struct chrome *c, const char *what, int tid, const char *name)
{
    json_begin_object(&c->j);
    json_kv_string(&c->j, "ph", "M");
    json_kv_string(&c->j, "name", what);
    json_kv_int(&c->j, "pid", c->pid);
    json_kv_int(&c->j, "tid", tid);
    json_key(&c->j, "args");
    json_begin_object(&c->j);
    json_kv_string(&c->j, "name", name);
    json_end_object(&c->j);
    json_end_object(&c->j);
}

static void write_metadata(struct chrome *c)
{
    const char *exe = c->src->info->executable;
    const char *base = strrchr(exe, '/');
    char buf[32];
    snprintf(buf, sizeof(buf), "pid %d", c->pid);
    metadata(c, "process_name", c->pid, base && base[1] ? base + 1 : exe[0] ? exe : buf);
    for (size_t i = 0; i < fp_sread_thread_count(c->src->snap); i++) {
        const struct fp_sread_thread_info *t = fp_sread_thread(c->src->snap, i);
        metadata(c, "thread_name", t->tid, convert_thread_name(c->src, t->tid, buf, sizeof(buf)));
    }
}

/* The crash from the header: the signal, fault address and stack. */
static void write_crash(struct chrome *c)
{
    const struct fp_sread_info *info = c->src->info;
    const char *abbrev = sigabbrev_np(info->signo);
    char sig[32];
    snprintf(sig, sizeof(sig), "SIG%s", abbrev ? abbrev : "?");
    begin_event(c, "i", "crash", "signal", info->crash_tid, c->end);
    json_kv_string(&c->j, "s", "g");
    json_key(&c->j, "args");
    json_begin_object(&c->j);
    json_kv_string(&c->j, "signal", sig);
    json_kv_int(&c->j, "si_code", info->si_code);
    kv_hex(c, "fault_addr", info->fault_addr);
    kv_stack(c, info->crash_pcs, info->crash_depth, true);
    json_end_object(&c->j);
    json_end_object(&c->j);
}

static void write_other_data(struct chrome *c)
{
    const struct fp_sread_info *info = c->src->info;
    json_key(&c->j, "otherData");
    json_begin_object(&c->j);
    json_kv_string(&c->j, "producer", "flightprof convert");
    json_kv_int(&c->j, "pid", c->pid);
    json_kv_string(&c->j, "executable", info->executable);
    json_kv_string(&c->j, "trigger", fp_sread_trigger_name(info->trigger));
    json_key(&c->j, "window_start_unix_ns");
    json_int(&c->j, (int64_t)(info->wall_ns + (c->base - info->mono_ns)));
    json_kv_micros(&c->j, "window_us", span(c->base, c->end));
    json_key(&c->j, "events");
    json_uint(&c->j, fp_sread_event_count(c->src->snap));
    json_key(&c->j, "events_overwritten");
    json_uint(&c->j, info->events_overwritten);
    json_key(&c->j, "events_dropped");
    json_uint(&c->j, info->events_dropped);
    json_key(&c->j, "events_aged_out");
    json_uint(&c->j, info->events_aged_out);
    json_end_object(&c->j);
}

/* The window: from the header, widened to every event in the file. */
static void find_window(struct chrome *c)
{
    const struct fp_sread *snap = c->src->snap;
    size_t n = fp_sread_event_count(snap);
    c->base = c->src->info->window_start_ns;
    c->end = c->src->info->window_end_ns;
    if (n > 0) {
        uint64_t first = fp_sread_event(snap, 0)->time_ns, last = fp_sread_event(snap, n - 1)->time_ns;
        if (!c->base || first < c->base)
            c->base = first;
        if (last > c->end)
            c->end = last;
    }
    if (c->end < c->base)
        c->end = c->base;
    if (c->end - c->base > (uint64_t)INT64_MAX) /* corrupt times */
        c->end = c->base + (uint64_t)INT64_MAX;
}

static void write_events(struct chrome *c)
{
    const struct fp_sread *snap = c->src->snap;
    size_t n = fp_sread_event_count(snap);
    for (size_t i = 0; i < n && !c->oom; i++)
        write_event(c, fp_sread_event(snap, i), i);
    for (size_t i = 0; i < c->nopen; i++) /* regions never closed */
        add_slice(c, (struct slice){.tid = c->open[i].tid, .start = c->open[i].start, .end = c->end,
                                    .ev = c->open[i].ev, .region = c->open[i].name,
                                    .flags = SLICE_UNFINISHED});
    if (c->src->info->trigger == FP_SNAP_TRIGGER_CRASH)
        write_crash(c);
    nest_slices(c);
    for (size_t i = 0; i < c->nslices && !c->oom; i++)
        write_slice(c, &c->slices[i]);
}

int convert_chrome(const struct convert_src *src, FILE *out)
{
    struct chrome *c = calloc(1, sizeof(*c));
    int rc = -1;
    if (!c) {
        fp_log("convert: out of memory");
        return -1;
    }
    c->src = src;
    c->pid = src->info->pid;
    json_init(&c->j, out);
    find_window(c);

    json_begin_object(&c->j);
    json_kv_string(&c->j, "displayTimeUnit", "ns");
    write_other_data(c);
    json_key(&c->j, "traceEvents");
    json_begin_array(&c->j);
    write_metadata(c);
    write_events(c);
    json_end_array(&c->j);
    json_end_object(&c->j);
    if (c->oom)
        fp_log("convert: out of memory");
    else if (json_finish(&c->j) != 0)
        fp_log("convert: cannot write the trace: %m");
    else
        rc = 0;
    convert_live_free(&c->live);
    free(c->slices);
    free(c);
    return rc;
}
