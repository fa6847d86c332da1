/*
 * The profile endpoints. Owns nothing between requests: a request that
 * answers later (a CPU window, a delta's first mark) owns its state until
 * the loop calls its finish or cancel (http_reply.h).
 *
 * Every profile is built here, on the server thread, and encoded by the
 * writer module into memory: symbolizing is the slow part, and it runs
 * while the program's threads go on unhindered.
 *
 * Signal context: none (the server thread, in the internal scope).
 */
#include "http_profiles.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blockprof.h"
#include "clock.h"
#include "cpu.h"
#include "heapprof.h"
#include "mem.h"
#include "mutexprof.h"
#include "pprof.h"
#include "recorder.h"
#include "siteprof.h"
#include "threadcreate.h"
#include "writer.h"

/* A built profile, encoded, as the answer: a gzipped pprof attachment
 * named `filename`, or a 500 naming `what` could not be encoded. */
static void reply_profile(struct fp_pprof *p, bool failed, const char *what, const char *filename,
                          struct fp_http_reply *out)
{
    uint8_t *buf;
    size_t len;
    const char *why;
    char msg[256], disposition[96];

    if (fp_writer_encode_and_free(p, failed, &buf, &len, &why) != 0) {
        snprintf(msg, sizeof(msg), "Could not write the %s profile: %s", what, why);
        fp_http_error(500, msg, out);
        return;
    }
    fp_http_reply_owned(out, "application/octet-stream", (char *)buf, len);
    snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s\"", filename);
    fp_http_reply_header(out, "Content-Disposition", disposition);
}

/* ---- the CPU profile ---------------------------------------------------- */

static void cpu_finish(void *state, struct fp_http_reply *out)
{
    bool failed;
    struct fp_pprof *p = fp_cpu_window_finish(state, &failed);

    reply_profile(p, failed, "CPU", "profile", out);
}

static void cpu_cancel(void *state)
{
    fp_cpu_window_close(state);
}

void fp_http_profile_cpu(const struct fp_http_request *req, struct fp_http_reply *out)
{
    long long seconds;
    char msg[256];

    if (!fp_http_query_int(req->query, "seconds", &seconds) || seconds <= 0)
        seconds = 30;
    if (!fp_http_seconds_within_limit(seconds, out))
        return;
    struct fp_cpu_window *w = fp_cpu_window_open();
    if (!w) {
        snprintf(msg, sizeof(msg), "Could not enable CPU profiling: %s",
                 errno == EBUSY ? "the program uses SIGPROF or ITIMER_PROF itself" : strerror(errno));
        fp_http_error(500, msg, out);
        return;
    }
    fp_http_reply_later(out, (uint64_t)seconds * 1000000000ull, w, cpu_finish, cpu_cancel);
}

/* ---- symbols -------------------------------------------------------------- */

void fp_http_symbol(const struct fp_http_request *req, const char *body, size_t body_len,
                    struct fp_http_reply *out)
{
    bool post = strcmp(req->method, "POST") == 0;
    const char *in = post ? body : req->query;
    size_t len = post ? body_len : strlen(req->query);
    size_t max = len / 2 + 1; /* a word and its '+' take two bytes at least */
    uint64_t *addrs = fp_mem_alloc(max * sizeof(*addrs));
    char *text, msg[256];
    const char *why;

    if (!addrs) {
        fp_http_error(500, "out of memory", out);
        return;
    }
    size_t n = fp_http_parse_addresses(in, len, addrs, max);
    int rc = fp_writer_symbol_lines(addrs, n, &text, &len, &why);
    fp_mem_free(addrs);
    if (rc != 0) {
        snprintf(msg, sizeof(msg), "Could not look up symbols: %s", why);
        fp_http_error(500, msg, out);
        return;
    }
    fp_http_reply_owned(out, FP_HTTP_TEXT, text, len);
}

/* ---- site profiles: now, or a delta -------------------------------------- */

/* Go's debug=1 texts (legacy formats, which go tool pprof parses): the
 * values are flightprof's estimates already, so the texts say that
 * nothing is left to scale (heap_v2/1, sampling period=1) and a last
 * comment says how they were sampled. */
static void heap_text(struct fp_siteprof *p, char *header, char *footer, size_t len)
{
    int64_t v[4]; /* alloc_objects, alloc_space, inuse_objects, inuse_space */

    fp_siteprof_totals(p, v);
    snprintf(header, len, "heap profile: %lld: %lld [%lld: %lld] @ heap_v2/1\n", (long long)v[2],
             (long long)v[3], (long long)v[0], (long long)v[1]);
    snprintf(footer, len,
             "# flightprof: estimates from allocations sampled every %llu bytes on average\n",
             (unsigned long long)p->rate);
}

static void mutex_text(struct fp_siteprof *p, char *header, char *footer, size_t len)
{
    snprintf(header, len, "--- mutex:\ncycles/second=1000000000\nsampling period=1\n");
    snprintf(footer, len, "# flightprof: delays in nanoseconds; one contention in %llu recorded\n",
             (unsigned long long)p->rate);
}

static void block_text(struct fp_siteprof *p, char *header, char *footer, size_t len)
{
    snprintf(header, len, "--- contention:\ncycles/second=1000000000\n");
    snprintf(footer, len, "# flightprof: delays in nanoseconds; waits under %llu ns sampled, "
             "scaled to estimates\n", (unsigned long long)p->rate);
}

static void threadcreate_text(struct fp_siteprof *p, char *header, char *footer, size_t len)
{
    int64_t total;

    fp_siteprof_totals(p, &total);
    snprintf(header, len, "threadcreate profile: total %lld\n", (long long)total);
    footer[0] = '\0';
}

struct named {
    const char *name, *about;             /* the index's line */
    struct fp_siteprof *(*profile)(void); /* NULL when off */
    const char *default_type;             /* NULL: pprof's (the last type) */
    const char *env;                      /* what turns it on */
    /* debug=1: the text's header and footer, and a sample's record
     * (fp_pprof_text) */
    void (*text)(struct fp_siteprof *p, char *header, char *footer, size_t len);
    const char *record;
};

static const struct named named[] = {
    {"allocs", "A sampling of all past memory allocations.", fp_heapprof_profile, "alloc_space",
     "FLIGHTPROF_HEAP", heap_text, "{2}: {3} [{0}: {1}] @"},
    {"heap", "A sampling of memory allocations of live objects (inuse_space by default).",
     fp_heapprof_profile, "inuse_space", "FLIGHTPROF_HEAP", heap_text, "{2}: {3} [{0}: {1}] @"},
    {"block", "Stack traces that led to blocking on synchronization primitives (condition "
     "variables, joins, semaphores, barriers, locks).", fp_blockprof_profile, NULL,
     "FLIGHTPROF_BLOCK", block_text, "{1} {0} @"},
    {"threadcreate", "Stack traces that led to the creation of new OS threads.",
     fp_threadcreate_profile, NULL, "FLIGHTPROF_THREADCREATE", threadcreate_text, "{0} @"},
    {"mutex", "Stack traces of waiters on contended locks, with the time they waited.",
     fp_mutexprof_profile, NULL, "FLIGHTPROF_MUTEX", mutex_text, "{1} {0} @"},
};
#define NAMED (sizeof(named) / sizeof(named[0]))

void fp_http_profile_index(struct fp_http_reply *out)
{
    struct fp_http_text t;

    if (!fp_http_text_init(&t, 8192)) {
        fp_http_error(500, "out of memory", out);
        return;
    }
    fp_http_text_add(&t, "<html>\n<head>\n<title>/debug/pprof/</title>\n"
        "<style>.profile-name{display:inline-block; width:6rem;}</style>\n</head>\n<body>\n"
        "/debug/pprof/\n<br>\n<p>Set debug=1 as a query parameter to export in legacy text format</p>\n"
        "<br>\nTypes of profiles available:\n<table>\n<thead><td>Count</td><td>Profile</td></thead>\n");
    for (size_t i = 0; i < NAMED; i++) {
        struct fp_siteprof *p = named[i].profile();
        if (p)
            fp_http_text_add(&t, "<tr><td>%u</td><td><a href=\"%s?debug=1\">%s</a></td></tr>\n",
                fp_sitetab_count_sites(p->sites), named[i].name, named[i].name);
        else
            fp_http_text_add(&t, "<tr><td>off</td><td>%s</td></tr>\n", named[i].name);
    }
    fp_http_text_add(&t, "<tr><td></td><td><a href=\"profile\">profile</a></td></tr>\n");
    if (fp_recorder_enabled())
        fp_http_text_add(&t, "<tr><td></td><td><a href=\"trace\">trace</a></td></tr>\n"
            "<tr><td></td><td><a href=\"../flightrecorder\">flightrecorder</a></td></tr>\n");
    else
        fp_http_text_add(&t, "<tr><td>off</td><td>trace</td></tr>\n"
            "<tr><td>off</td><td>flightrecorder</td></tr>\n");
    fp_http_text_add(&t, "<tr><td></td><td><a href=\"cmdline\">cmdline</a></td></tr>\n"
        "<tr><td></td><td><a href=\"symbol\">symbol</a></td></tr>\n</table>\n"
        "<br>\n<p>\nProfile Descriptions:\n<ul>\n");
    for (size_t i = 0; i < NAMED; i++)
        fp_http_text_add(&t, "<li><div class=profile-name>%s: </div> %s</li>\n", named[i].name, named[i].about);
    fp_http_text_add(&t, "<li><div class=profile-name>profile: </div> CPU profile. You can specify the duration in the "
        "seconds GET parameter. After you get the profile file, use the go tool pprof command to "
        "investigate the profile.</li>\n"
        "<li><div class=profile-name>trace: </div> A flight-recorder snapshot of the events of "
        "the next N seconds (the seconds GET parameter, 1 by default), for flightprof dump and "
        "flightprof convert.</li>\n"
        "<li><div class=profile-name>flightrecorder: </div> (/debug/flightrecorder) A "
        "flight-recorder snapshot of the recorder's window now.</li>\n"
        "<li><div class=profile-name>cmdline: </div> The command line of this process, arguments "
        "separated by NUL bytes.</li>\n"
        "<li><div class=profile-name>symbol: </div> Function names of addresses, for pprof.</li>\n"
        "</ul>\n</p>\n<p>Served by flightprof.</p>\n</body>\n</html>\n");
    fp_http_reply_text(out, "text/html; charset=utf-8", &t);
}

/* ?debug=N, N != 0: the profile so far as Go's text. */
static void serve_text(const struct named *n, struct fp_siteprof *p, struct fp_http_reply *out)
{
    char header[256], footer[256], msg[256], *text;
    size_t len;
    const char *why;
    bool failed;

    n->text(p, header, footer, sizeof(header));
    struct fp_pprof *now = fp_siteprof_build(p, NULL, n->default_type, &failed);
    if (fp_writer_text_and_free(now, failed, header, n->record, footer, &text, &len, &why) != 0) {
        snprintf(msg, sizeof(msg), "Could not write the %s profile: %s", n->name, why);
        fp_http_error(500, msg, out);
        return;
    }
    fp_http_reply_owned(out, FP_HTTP_TEXT, text, len);
}

struct delta {
    const struct named *n;
    struct fp_siteprof *p;
    struct fp_siteprof_mark since;
};

static void delta_free(struct delta *d)
{
    fp_siteprof_mark_free(&d->since);
    fp_mem_free(d);
}

static void delta_finish(void *state, struct fp_http_reply *out)
{
    struct delta *d = state;
    char filename[64];
    bool failed;
    struct fp_pprof *p = fp_siteprof_build(d->p, &d->since, d->n->default_type, &failed);
    int64_t end_mono = (int64_t)fp_clock_ns(CLOCK_MONOTONIC);

    /* Stamped as Go stamps a delta: at its end. */
    if (p)
        fp_pprof_set_time(p, (int64_t)fp_clock_ns(CLOCK_REALTIME), end_mono - d->since.mono_ns);

    snprintf(filename, sizeof(filename), "%s-delta", d->n->name);
    reply_profile(p, failed, d->n->name, filename, out);
    delta_free(d);
}

static void delta_cancel(void *state)
{
    delta_free(state);
}

/* ?seconds=N: Go's checks, in Go's order, then the first mark. */
static void serve_delta(const struct named *n, struct fp_siteprof *p,
                        const struct fp_http_request *req, struct fp_http_reply *out)
{
    long long seconds, debug;
    struct delta *d;

    if (!fp_http_query_int(req->query, "seconds", &seconds) || seconds <= 0) {
        fp_http_error(400, "invalid value for \"seconds\" - must be a positive integer", out);
        return;
    }
    if (!fp_http_seconds_within_limit(seconds, out))
        return;
    if (fp_http_query_int(req->query, "debug", &debug) && debug != 0) {
        fp_http_error(400, "seconds and debug params are incompatible", out);
        return;
    }
    if (!(d = fp_mem_calloc(1, sizeof(*d))) || fp_siteprof_mark(p, &d->since) != 0) {
        fp_mem_free(d);
        fp_http_error(500, "out of memory", out);
        return;
    }
    d->n = n;
    d->p = p;
    fp_http_reply_later(out, (uint64_t)seconds * 1000000000ull, d, delta_finish, delta_cancel);
}

bool fp_http_profile_named(const char *name, const struct fp_http_request *req,
                           struct fp_http_reply *out)
{
    const struct named *n = NULL;
    char msg[256], seconds[sizeof(req->query)]; /* any value fits: decoding only shortens */
    long long debug;

    for (size_t i = 0; i < NAMED && !n; i++)
        if (strcmp(name, named[i].name) == 0)
            n = &named[i];
    if (!n)
        return false;
    struct fp_siteprof *p = n->profile();
    if (!p) {
        snprintf(msg, sizeof(msg), "Profile not enabled: %s=off, or it could not start (see stderr)",
                 n->env);
        fp_http_error(500, msg, out);
    } else if (fp_http_query_get(req->query, "seconds", seconds, sizeof(seconds)) == 0 &&
               seconds[0]) { /* Go's r.FormValue("seconds") != "" */
        serve_delta(n, p, req, out);
    } else if (fp_http_query_int(req->query, "debug", &debug) && debug != 0) {
        serve_text(n, p, out);
    } else {
        bool failed;
        struct fp_pprof *now = fp_siteprof_build(p, NULL, n->default_type, &failed);
        reply_profile(now, failed, name, name, out);
    }
    return true;
}
