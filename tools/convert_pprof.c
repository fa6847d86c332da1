/*
 * `flightprof convert -f pprof|allocs`: a snapshot's CPU samples as a CPU
 * profile (Go's conventions: samples/count and cpu/nanoseconds, the
 * sampling period the snapshot recorded), and its allocation events by immediate caller as an allocs
 * profile (alloc_objects/count, alloc_space/bytes). Both are symbolized
 * offline against the snapshot's recorded mappings.
 * Signal context: none.
 */
#include "convert.h"

#include <errno.h>
#include <string.h>

#include "log.h"
#include "pprof_encode.h"

#define THREAD_NAME_BUF 32
#define UNKNOWN_CALLER "[flightprof: unknown caller]"

/* The window as pprof's time_nanos (wall clock) and duration_nanos. */
static void set_window(struct fp_pprof *p, const struct fp_sread_info *info)
{
    uint64_t start = info->window_start_ns, end = info->window_end_ns;
    fp_pprof_set_time(p, (int64_t)(info->wall_ns + (start - info->mono_ns)),
                      end > start ? (int64_t)(end - start) : 0);
}

static int write_profile(struct fp_pprof *p, const struct convert_src *src, const char *path,
                         const char *what, int failed)
{
    int rc = -1;
    if (failed)
        fp_log("convert: out of memory building the %s profile", what);
    else if (fp_pprof_write(p, &src->maps, path) != 0)
        fp_log("convert: cannot write %s: %s", path, strerror(errno));
    else
        rc = 0;
    fp_pprof_free(p);
    return rc;
}

static void thread_labels(const struct convert_src *src, int tid, char *buf,
                          struct fp_pprof_label labels[2])
{
    labels[0] = (struct fp_pprof_label){
        .key = "thread", .str = convert_thread_name(src, tid, buf, THREAD_NAME_BUF)};
    labels[1] = (struct fp_pprof_label){.key = "tid", .num = tid, .num_unit = "id"};
}

int convert_cpu_profile(const struct convert_src *src, const char *path)
{
    static const struct fp_pprof_value_type types[] = {
        {"samples", "count"},
        {"cpu", "nanoseconds"},
    };
    int64_t period = src->cpu_period_ns;
    struct fp_pprof *p = fp_pprof_new(types, 2, types[1], period);
    int failed = 0;
    if (!p) {
        fp_log("convert: out of memory");
        return -1;
    }
    set_window(p, src->info);
    for (size_t i = 0; i < fp_sread_event_count(src->snap); i++) {
        const struct fp_sread_ev *ev = fp_sread_event(src->snap, i);
        uint64_t addrs[FP_SNAP_STACK_MAX];
        int64_t values[2] = {1, period};
        char name[THREAD_NAME_BUF];
        struct fp_pprof_label labels[2];
        if (ev->kind != FP_EV_CPU_SAMPLE || ev->u.cpu.depth <= 0)
            continue;
        int depth = ev->u.cpu.depth < FP_SNAP_STACK_MAX ? ev->u.cpu.depth : FP_SNAP_STACK_MAX;
        int n = convert_stack(src, ev->u.cpu.pcs, depth, true, addrs);
        thread_labels(src, ev->tid, name, labels);
        failed |= fp_pprof_add_sample(p, addrs, n, values, labels, 2) != 0;
    }
    return write_profile(p, src, path, "CPU", failed);
}

/* The size an allocation event adds, and its caller; false for events
 * that allocate nothing. */
static bool allocation(const struct fp_sread_ev *ev, uint64_t *size, uint64_t *caller)
{
    if (ev->kind == FP_EV_ALLOC && ev->u.alloc.ptr) {
        *size = ev->u.alloc.size;
        *caller = ev->u.alloc.caller;
        return true;
    }
    if (ev->kind == FP_EV_REALLOC && ev->u.realloc.new_ptr) {
        *size = ev->u.realloc.size;
        *caller = ev->u.realloc.caller;
        return true;
    }
    return false;
}

int convert_allocs_profile(const struct convert_src *src, const char *path)
{
    static const struct fp_pprof_value_type types[] = {
        {"alloc_objects", "count"},
        {"alloc_space", "bytes"},
    };
    /* Every allocation in the window is recorded: a sampling period of 1. */
    struct fp_pprof *p = fp_pprof_new(types, 2, (struct fp_pprof_value_type){"space", "bytes"}, 1);
    int failed = 0;
    if (!p) {
        fp_log("convert: out of memory");
        return -1;
    }
    set_window(p, src->info);
    fp_pprof_set_default_sample_type(p, "alloc_space");
    for (size_t i = 0; i < fp_sread_event_count(src->snap); i++) {
        const struct fp_sread_ev *ev = fp_sread_event(src->snap, i);
        uint64_t size, caller;
        char name[THREAD_NAME_BUF];
        struct fp_pprof_label labels[3];
        if (!allocation(ev, &size, &caller))
            continue;
        uint64_t addr = convert_location(caller, false);
        int64_t values[2] = {1, (int64_t)size};
        thread_labels(src, ev->tid, name, labels);
        labels[2] = (struct fp_pprof_label){
            .key = "kind", .str = ev->kind == FP_EV_REALLOC ? "realloc" : fp_sread_alloc_name(ev->sub)};
        if (addr)
            failed |= fp_pprof_add_sample(p, &addr, 1, values, labels, 3) != 0;
        else
            failed |= fp_pprof_add_synthetic_sample(p, UNKNOWN_CALLER, values, labels, 3) != 0;
    }
    return write_profile(p, src, path, "allocs", failed);
}
