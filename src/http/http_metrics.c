/*
 * The /metrics exposition, read at each scrape from /proc and from what
 * the collectors have counted. Owns nothing. The program's threads only:
 * flightprof's own are left out of process_threads and of the states, as
 * of every other view.
 *
 * Signal context: none.
 */
#include "http_metrics.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "blockprof.h"
#include "cpu.h"
#include "heapprof.h"
#include "mem.h"
#include "mutexprof.h"
#include "procfs.h"
#include "recorder.h"
#include "sampler.h"
#include "siteprof.h"
#include "threads.h"

#define EXPOSITION_MAX (16 * 1024)

/* One metric with its HELP and TYPE lines. */
static void metric(struct fp_http_text *t, const char *name, const char *type, const char *help,
                   double value)
{
    fp_http_text_add(t, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help, name, type, name, value);
}

static double boot_time(void)
{
    char buf[4096], *p;

    if (fp_procfs_read("/proc/stat", buf, sizeof(buf)) <= 0 || !(p = strstr(buf, "\nbtime ")))
        return 0;
    return strtod(p + 7, NULL);
}

static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;

    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the directory's own descriptor */
}

/* A thread's state: what the wrappers saw it block in (threads.h), else
 * what the kernel says. */
enum { RUNNING, SLEEPING, DISK_SLEEP, STOPPED, ZOMBIE, OTHER, KERNEL_STATES };
#define STATES (KERNEL_STATES + FP_THREAD_WAITS - 1)
static const char *const state_names[STATES] = {
    "running", "sleeping", "disk_sleep", "stopped", "zombie", "other",
    [KERNEL_STATES + FP_THREAD_WAIT_LOCK - 1] = "lock",
    [KERNEL_STATES + FP_THREAD_WAIT_COND - 1] = "cond",
    [KERNEL_STATES + FP_THREAD_WAIT_JOIN - 1] = "join",
    [KERNEL_STATES + FP_THREAD_WAIT_SEM - 1] = "semaphore",
    [KERNEL_STATES + FP_THREAD_WAIT_BARRIER - 1] = "barrier",
    [KERNEL_STATES + FP_THREAD_WAIT_SLEEP - 1] = "sleep",
    [KERNEL_STATES + FP_THREAD_WAIT_IO - 1] = "io",
};

static int state_index(int tid, char s)
{
    unsigned wait = fp_threads_wait_of(tid);

    if (wait != FP_THREAD_WAIT_NONE && wait < FP_THREAD_WAITS && s != 'Z' && s != 'T' && s != 't')
        return KERNEL_STATES + (int)wait - 1;
    switch (s) {
    case 'R': return RUNNING;
    case 'S': return SLEEPING;
    case 'D': return DISK_SLEEP;
    case 'T': case 't': return STOPPED;
    case 'Z': return ZOMBIE;
    default: return OTHER;
    }
}

/* Counts the program's threads by state; returns their number. */
static int thread_states(int counts[STATES])
{
    DIR *d = opendir("/proc/self/task");
    char path[64], line[1024], *fields[1];
    int n = 0;

    memset(counts, 0, sizeof(int) * STATES);
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d));) {
        int tid = atoi(e->d_name);
        if (tid <= 0 || fp_threads_is_own(tid))
            continue;
        snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
        if (fp_procfs_stat_fields(path, line, sizeof(line), fields, 1) == 1) {
            counts[state_index(tid, fields[0][0])]++;
            n++;
        }
    }
    closedir(d);
    return n;
}

/* What flightprof's collectors have counted; a profile that is off has
 * no metrics (absent, not zero: nothing was measured). */
static void collector_metrics(struct fp_http_text *t)
{
    struct fp_siteprof *heap = fp_heapprof_profile(), *mutex = fp_mutexprof_profile();
    struct fp_siteprof *block = fp_blockprof_profile();
    uint64_t samples, unwound_none;
    int64_t v[4];

    if (heap) {
        fp_siteprof_totals(heap, v); /* alloc_objects, alloc_space, inuse_objects, inuse_space */
        metric(t, "flightprof_heap_inuse_bytes", "gauge",
               "Heap bytes in use, estimated from sampled allocations.", (double)v[3]);
        metric(t, "flightprof_heap_inuse_objects", "gauge",
               "Heap blocks in use, estimated from sampled allocations.", (double)v[2]);
        metric(t, "flightprof_heap_allocated_bytes_total", "counter",
               "Heap bytes allocated, estimated from sampled allocations.", (double)v[1]);
        metric(t, "flightprof_heap_allocated_objects_total", "counter",
               "Heap blocks allocated, estimated from sampled allocations.", (double)v[0]);
    }
    if (mutex) {
        fp_siteprof_totals(mutex, v); /* contentions, delay */
        metric(t, "flightprof_lock_contentions_total", "counter",
               "Lock acquisitions that had to wait.", (double)v[0]);
        metric(t, "flightprof_lock_wait_seconds_total", "counter",
               "Time spent waiting for contended locks.", (double)v[1] / 1e9);
    }
    if (block) {
        fp_siteprof_totals(block, v); /* contentions, delay */
        metric(t, "flightprof_block_waits_total", "counter",
               "Waits on synchronization (condition variables, joins, semaphores, barriers, "
               "locks), estimated from sampled ones.", (double)v[0]);
        metric(t, "flightprof_block_wait_seconds_total", "counter",
               "Time spent in waits on synchronization, estimated from sampled ones.",
               (double)v[1] / 1e9);
    }
    fp_sampler_counts(&samples, &unwound_none);
    metric(t, "flightprof_cpu_samples_total", "counter",
           "CPU sampling periods taken (each stands for one period of a thread's CPU time).",
           (double)samples);
    metric(t, "flightprof_cpu_lost_samples_total", "counter",
           "CPU sampling periods lost: no stack could be unwound, or no room in the table.",
           (double)(unwound_none + fp_cpu_lost_total()));
    if (fp_recorder_enabled()) {
        struct fp_recorder_stats rs;
        fp_recorder_stats(&rs);
        metric(t, "flightprof_recorder_snapshots_total", "counter",
               "Flight-recorder snapshots written (crash snapshots not counted).", (double)rs.snapshots);
        metric(t, "flightprof_recorder_overwritten_events_total", "counter",
               "Recorder events overwritten by newer ones.", (double)rs.overwritten);
        metric(t, "flightprof_recorder_dropped_events_total", "counter",
               "Recorder events not recorded for want of a free buffer.", (double)rs.dropped);
        fp_http_text_add(t, "# HELP flightprof_recorder_events_total Events recorded, by kind.\n"
                         "# TYPE flightprof_recorder_events_total counter\n");
        for (unsigned k = 1; k < FP_EV_KIND_COUNT; k++)
            fp_http_text_add(t, "flightprof_recorder_events_total{kind=\"%s\"} %llu\n",
                             fp_snap_kind_name(k), (unsigned long long)rs.events[k]);
    }
}

void fp_http_metrics(struct fp_http_reply *out)
{
    struct fp_http_text t;
    char line[2048], *f[24];
    double tick = (double)sysconf(_SC_CLK_TCK), page = (double)sysconf(_SC_PAGESIZE);
    struct rlimit rl;
    int states[STATES];

    memset(out, 0, sizeof(*out));
    /* Fields 14, 15 (utime, stime), 22 (starttime), 23 (vsize), 24 (rss). */
    if (!fp_http_text_init(&t, EXPOSITION_MAX) ||
        fp_procfs_stat_fields("/proc/self/stat", line, sizeof(line), f, 24) < 22) {
        fp_mem_free(t.buf);
        fp_http_error(500, "cannot read /proc/self/stat", out);
        return;
    }
    metric(&t, "process_cpu_seconds_total", "counter",
           "Total user and system CPU time spent in seconds.",
           (strtod(f[11], NULL) + strtod(f[12], NULL)) / tick);
    metric(&t, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
           strtod(f[21], NULL) * page);
    metric(&t, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
           strtod(f[20], NULL));
    metric(&t, "process_start_time_seconds", "gauge",
           "Start time of the process since unix epoch in seconds.",
           boot_time() + strtod(f[19], NULL) / tick);
    metric(&t, "process_open_fds", "gauge", "Number of open file descriptors.", open_fds());
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        metric(&t, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
               rl.rlim_cur == RLIM_INFINITY ? -1 : (double)rl.rlim_cur);
    int threads = thread_states(states);
    metric(&t, "process_threads", "gauge", "Number of the program's OS threads.", threads);
    fp_http_text_add(&t, "# HELP flightprof_threads The program's threads by what they wait in "
             "(lock, cond, join, semaphore, barrier, sleep, io), else by kernel state.\n"
             "# TYPE flightprof_threads gauge\n");
    for (int i = 0; i < STATES; i++)
        fp_http_text_add(&t, "flightprof_threads{state=\"%s\"} %d\n", state_names[i], states[i]);
    collector_metrics(&t);
    fp_http_reply_text(out, "text/plain; version=0.0.4; charset=utf-8", &t);
}
