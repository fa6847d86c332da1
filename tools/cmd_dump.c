/*
 * flightprof dump FILE: a flight-recorder snapshot as text. A summary
 * (process, trigger, window, events per kind, overwritten and dropped
 * counts, the crash stack), then one event per line, oldest first: time
 * before the snapshot, thread, event, details, and the caller symbolized
 * from the snapshot's own mappings.
 *
 * Signal context: none (signal.h is for naming the signals a snapshot
 * recorded).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "maps.h"
#include "snapshot_read.h"
#include "symbolize.h"

#define MAX_INLINE 16

struct dump {
    struct fp_sread *snap;
    const struct fp_sread_info *info;
    struct fp_maps maps;
    struct fp_symbolizer *sym;
    FILE *out;
};

/* ---- formatting helpers ---------------------------------------------------- */

static void print_ms(FILE *out, uint64_t ns)
{
    fprintf(out, "%.3f ms", (double)ns / 1e6);
}

/* Prints a string from the file with anything unprintable escaped. */
static void print_quoted(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            fprintf(out, "\\x%02x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

static const char *signal_name(int sig, char *buf, size_t len)
{
    const char *abbrev = sig > 0 ? sigabbrev_np(sig) : NULL;

    if (abbrev)
        snprintf(buf, len, "SIG%s", abbrev);
    else
        snprintf(buf, len, "signal %d", sig);
    return buf;
}

/* Faults raised by the hardware carry the faulting address (0 included). */
static bool has_fault_address(int signo, int si_code)
{
    return si_code > 0 && (signo == SIGSEGV || signo == SIGBUS || signo == SIGILL || signo == SIGFPE);
}

static const char *thread_name(const struct dump *d, int tid)
{
    const struct fp_sread_thread_info *t = fp_sread_thread_by_tid(d->snap, tid);

    return t && t->name[0] ? t->name : "?";
}

/* "function (file:line)" for a location address, or the address and the
 * file it falls in. */
static void print_location(const struct dump *d, uint64_t addr)
{
    struct fp_frame frames[MAX_INLINE];
    int n = d->sym ? fp_symbolize(d->sym, addr, frames, MAX_INLINE) : 0;

    if (n > 0) {
        fputs(frames[0].function, d->out);
        if (frames[0].file[0] && frames[0].line)
            fprintf(d->out, " (%s:%" PRId64 ")", frames[0].file, frames[0].line);
        else if (frames[0].file[0])
            fprintf(d->out, " (%s)", frames[0].file);
        return;
    }
    const struct fp_mapping *m = fp_maps_find(&d->maps, addr);
    fprintf(d->out, "0x%" PRIx64, addr);
    if (m) {
        const char *base = strrchr(m->path, '/');
        fprintf(d->out, " (%s)", base ? base + 1 : m->path);
    }
}

/* A return address: the call is the byte before it. */
static void print_caller(const struct dump *d, uint64_t return_addr)
{
    if (!return_addr)
        return;
    fputs("  <- ", d->out);
    print_location(d, return_addr - 1);
}

/* The exact PC first, then return addresses; flightprof's own frames (the
 * thread trampoline) are left out, as in every stack flightprof shows. */
static void print_stack(const struct dump *d, const uint64_t *pcs, int depth)
{
    for (int i = 0, shown = 0; i < depth; i++) {
        if (i > 0 && fp_maps_in_flightprof(&d->maps, pcs[i]))
            continue;
        fprintf(d->out, "    #%-2d ", shown++);
        print_location(d, i == 0 ? pcs[i] : pcs[i] - 1);
        fputc('\n', d->out);
    }
}

/* ---- summary --------------------------------------------------------------------- */

/* The name an event is counted and listed under. */
static const char *event_label(const struct fp_sread_ev *e, char *buf, size_t len)
{
    switch (e->kind) {
    case FP_EV_ALLOC: return fp_sread_alloc_name(e->sub);
    case FP_EV_WAIT: return fp_sread_wait_name(e->sub);
    case FP_EV_LOCK_WAIT:
        snprintf(buf, len, "%s-wait", fp_sread_lock_name(e->sub));
        return buf;
    default: return fp_snap_kind_name(e->kind);
    }
}

static void print_counts(const struct dump *d)
{
    /* Few distinct labels: a small table searched linearly. */
    struct { char label[40]; size_t n; } counts[64];
    size_t n_labels = 0;

    for (size_t i = 0; i < fp_sread_event_count(d->snap); i++) {
        char buf[40];
        const char *label = event_label(fp_sread_event(d->snap, i), buf, sizeof(buf));
        size_t k = 0;
        while (k < n_labels && strcmp(counts[k].label, label) != 0)
            k++;
        if (k == n_labels) {
            if (n_labels == sizeof(counts) / sizeof(counts[0]))
                continue;
            snprintf(counts[n_labels].label, sizeof(counts[0].label), "%s", label);
            counts[n_labels++].n = 0;
        }
        counts[k].n++;
    }
    fprintf(d->out, "events:     %zu", fp_sread_event_count(d->snap));
    for (size_t k = 0; k < n_labels; k++)
        fprintf(d->out, "%s%s %zu", k ? ", " : " (", counts[k].label, counts[k].n);
    fprintf(d->out, "%s\n", n_labels ? ")" : "");
}

static void print_trigger(const struct dump *d)
{
    const struct fp_sread_info *i = d->info;
    char sig[32];

    fprintf(d->out, "trigger:    %s", fp_sread_trigger_name(i->trigger));
    if (i->trigger == FP_SNAP_TRIGGER_CRASH) {
        fprintf(d->out, ": %s (si_code %d)", signal_name(i->signo, sig, sizeof(sig)), i->si_code);
        if (has_fault_address(i->signo, i->si_code))
            fprintf(d->out, " at address 0x%" PRIx64, i->fault_addr);
        fprintf(d->out, " in thread %d %s", i->crash_tid, thread_name(d, i->crash_tid));
    } else if (i->trigger == FP_SNAP_TRIGGER_ERROR || i->trigger == FP_SNAP_TRIGGER_EXIT) {
        if (i->exit_status >= 0)
            fprintf(d->out, ": exit status %d", i->exit_status);
        else
            fprintf(d->out, ": terminated by %s", signal_name(-i->exit_status, sig, sizeof(sig)));
    }
    fputc('\n', d->out);
}

static void print_overwritten(const struct dump *d)
{
    const char *sep = "";

    fprintf(d->out, "overwritten: %" PRIu64, d->info->events_overwritten);
    for (size_t k = 0; k < fp_sread_thread_count(d->snap); k++) {
        const struct fp_sread_thread_info *t = fp_sread_thread(d->snap, k);
        if (!t->overwritten)
            continue;
        fprintf(d->out, "%s%s %s(%d) %" PRIu64, *sep ? sep : " (", "thread", t->name, t->tid,
                t->overwritten);
        sep = ", ";
    }
    fprintf(d->out, "%s\n", *sep ? ")" : "");
}

static void print_summary(const struct dump *d, const char *path)
{
    const struct fp_sread_info *i = d->info;
    time_t wall = (time_t)(i->wall_ns / 1000000000u);
    struct tm tm;
    char when[64] = "?";

    if (localtime_r(&wall, &tm))
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
    fprintf(d->out, "snapshot:   %s (format version %u, #%" PRIu64 ")\n", path, i->version,
            i->sequence);
    fprintf(d->out, "process:    %d %s\n", i->pid, i->executable);
    fprintf(d->out, "taken:      %s.%03u (event times below are seconds before this)\n", when,
            (unsigned)(i->wall_ns / 1000000u % 1000));
    print_trigger(d);
    fprintf(d->out, "window:     ");
    print_ms(d->out, i->window_end_ns - i->window_start_ns);
    fprintf(d->out, ", ending ");
    print_ms(d->out, i->mono_ns >= i->window_end_ns ? i->mono_ns - i->window_end_ns : 0);
    fprintf(d->out, " before the snapshot (recorder size %" PRIu64 " bytes, age bound ",
            i->recorder_size);
    print_ms(d->out, i->recorder_age_ns);
    fprintf(d->out, ")\n");
    print_counts(d);
    print_overwritten(d);
    fprintf(d->out, "dropped:    %" PRIu64 " (no buffer space), %" PRIu64 " older than the age bound\n",
            i->events_dropped, i->events_aged_out);
    if (i->cpu_period_ns)
        fprintf(d->out, "cpu:        one sample per %.4g ms of each thread's CPU time\n",
                (double)i->cpu_period_ns / 1e6);
    fprintf(d->out, "threads:    %zu, mappings: %zu\n", fp_sread_thread_count(d->snap),
            fp_sread_map_count(d->snap));
    if (i->crash_depth > 0) {
        fprintf(d->out, "crash stack (thread %d %s):\n", i->crash_tid,
                thread_name(d, i->crash_tid));
        print_stack(d, i->crash_pcs, i->crash_depth);
    }
}

/* ---- events ----------------------------------------------------------------------- */

static void print_details(const struct dump *d, const struct fp_sread_ev *e)
{
    FILE *out = d->out;
    char sig[32];

    switch (e->kind) {
    case FP_EV_THREAD_START:
        fprintf(out, "parent %d, start routine ", e->u.thread_start.parent_tid);
        if (e->u.thread_start.start_routine)
            print_location(d, e->u.thread_start.start_routine);
        else
            fputs("?", out);
        break;
    case FP_EV_THREAD_NAME:
        fprintf(out, "thread %d is now ", e->u.thread_name.tid);
        print_quoted(out, e->u.thread_name.name);
        break;
    case FP_EV_ALLOC:
        fprintf(out, "%" PRIu64 " bytes at 0x%" PRIx64, e->u.alloc.size, e->u.alloc.ptr);
        print_caller(d, e->u.alloc.caller);
        break;
    case FP_EV_MUNMAP:
        fprintf(out, "%" PRIu64 " bytes at 0x%" PRIx64, e->u.alloc.size, e->u.alloc.ptr);
        print_caller(d, e->u.alloc.caller);
        break;
    case FP_EV_REALLOC:
        fprintf(out, "0x%" PRIx64 " -> %" PRIu64 " bytes at 0x%" PRIx64, e->u.realloc.old_ptr,
                e->u.realloc.size, e->u.realloc.new_ptr);
        print_caller(d, e->u.realloc.caller);
        break;
    case FP_EV_FREE:
        fprintf(out, "0x%" PRIx64, e->u.free.ptr);
        print_caller(d, e->u.free.caller);
        break;
    case FP_EV_LOCK_WAIT:
    case FP_EV_WAIT:
        fprintf(out, "blocked ");
        print_ms(out, e->u.wait.wait_ns);
        if (e->u.wait.object)
            fprintf(out, " on 0x%" PRIx64, e->u.wait.object);
        print_caller(d, e->u.wait.caller);
        break;
    case FP_EV_CPU_SAMPLE:
        fprintf(out, "%d frames", e->u.cpu.depth);
        if (e->u.cpu.depth > 0) {
            fputs(" in ", out);
            print_location(d, e->u.cpu.pcs[0]);
        }
        break;
    case FP_EV_FORK:
        fprintf(out, "child %" PRId64, e->u.num.value);
        break;
    case FP_EV_EXIT:
        fprintf(out, "status %" PRId64, e->u.num.value);
        break;
    case FP_EV_EXEC:
    case FP_EV_REGION_BEGIN:
        print_quoted(out, e->u.text.str);
        break;
    case FP_EV_SIGNAL:
        fprintf(out, "%s (si_code %d)", signal_name(e->u.signal.signo, sig, sizeof(sig)),
                e->u.signal.si_code);
        if (has_fault_address(e->u.signal.signo, e->u.signal.si_code))
            fprintf(out, " at address 0x%" PRIx64, e->u.signal.addr);
        break;
    case FP_EV_LOG:
        fprintf(out, "[%s] ", e->u.log.category);
        print_quoted(out, e->u.log.message);
        break;
    default:
        break;
    }
}

static void print_events(const struct dump *d)
{
    fprintf(d->out, "\n%14s  %-16s %-24s %s\n", "time (s)", "thread", "event", "details");
    for (size_t i = 0; i < fp_sread_event_count(d->snap); i++) {
        const struct fp_sread_ev *e = fp_sread_event(d->snap, i);
        char label[40], who[40];
        double before = ((double)d->info->mono_ns - (double)e->time_ns) / 1e9;
        snprintf(who, sizeof(who), "%s(%d)", thread_name(d, e->tid), e->tid);
        fprintf(d->out, "%14.6f  %-16s %-24s ", -before, who, event_label(e, label, sizeof(label)));
        print_details(d, e);
        fputc('\n', d->out);
    }
}

/* ---- the command ------------------------------------------------------------------ */

static int load_maps(struct dump *d)
{
    for (size_t i = 0; i < fp_sread_map_count(d->snap); i++) {
        const struct fp_sread_map *m = fp_sread_map(d->snap, i);
        if (fp_maps_add(&d->maps, m->start, m->limit, m->offset, m->path, m->build_id) != 0)
            return -1;
    }
    d->sym = fp_symbolizer_new(&d->maps);
    return 0;
}

int cmd_dump(int argc, char **argv)
{
    char err[256];
    struct dump d = {.out = stdout};

    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: flightprof dump FILE\n");
        return 2;
    }
    d.snap = fp_sread_open(argv[1], err, sizeof(err));
    if (!d.snap) {
        fprintf(stderr, "flightprof: %s: %s\n", argv[1], err);
        return 1;
    }
    d.info = fp_sread_info(d.snap);
    if (load_maps(&d) != 0)
        fprintf(stderr, "flightprof: out of memory; addresses are left unsymbolized\n");
    print_summary(&d, argv[1]);
    print_events(&d);
    if (d.sym)
        fp_symbolizer_free(d.sym);
    fp_maps_free(&d.maps);
    fp_sread_close(d.snap);
    return fflush(stdout) == 0 ? 0 : 1;
}
