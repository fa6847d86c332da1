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

#include "clock.h"
#include "cpu.h"
#include "heapprof.h"
#include "mem.h"
#include "mutexprof.h"
#include "pprof.h"
#include "siteprof.h"
#include "writer.h"

/* Go's strconv.ParseInt(s, 10, 64): the whole value, decimal, optional
 * sign. False when `key` is absent or not such a number. */
static bool query_int(const struct fp_http_request *req, const char *key, long long *v)
{
    char s[32], *end;

    if (fp_http_query_get(req->query, key, s, sizeof(s)) != 0 || !s[0])
        return false;
    errno = 0;
    *v = strtoll(s, &end, 10);
    return errno == 0 && *end == '\0' && s[0] != ' ' && s[0] != '\t';
}

static uint64_t after_seconds(long long seconds)
{
    return fp_clock_ns(CLOCK_MONOTONIC) + (uint64_t)seconds * 1000000000ull;
}

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
    fp_http_reply_static(out, 200, "application/octet-stream", (const char *)buf, len);
    out->owned = (char *)buf;
    snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s\"", filename);
    fp_http_reply_header(out, "Content-Disposition", disposition);
    fp_http_reply_header(out, "X-Content-Type-Options", "nosniff");
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

    if (!query_int(req, "seconds", &seconds) || seconds <= 0)
        seconds = 30;
    if (seconds > FP_HTTP_SECONDS_MAX) {
        fp_http_error(400, "profile duration exceeds the endpoint's limit of 3600 seconds", out);
        return;
    }
    struct fp_cpu_window *w = fp_cpu_window_open();
    if (!w) {
        snprintf(msg, sizeof(msg), "Could not enable CPU profiling: %s",
                 errno == EBUSY ? "the program uses SIGPROF or ITIMER_PROF itself" : strerror(errno));
        fp_http_error(500, msg, out);
        return;
    }
    fp_http_reply_static(out, 0, NULL, NULL, 0);
    out->later = (struct fp_http_later){
        .ready_ns = after_seconds(seconds), .state = w, .finish = cpu_finish, .cancel = cpu_cancel};
}

/* ---- site profiles: now, or a delta -------------------------------------- */

struct named {
    const char *name;
    struct fp_siteprof *(*profile)(void); /* NULL when off */
    const char *default_type;             /* NULL: pprof's (the last type) */
    const char *env;                      /* what turns it on */
};

static const struct named named[] = {
    {"heap", fp_heapprof_profile, "inuse_space", "FLIGHTPROF_HEAP"},
    {"allocs", fp_heapprof_profile, "alloc_space", "FLIGHTPROF_HEAP"},
    {"mutex", fp_mutexprof_profile, NULL, "FLIGHTPROF_MUTEX"},
};

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

    if (!query_int(req, "seconds", &seconds) || seconds <= 0) {
        fp_http_error(400, "invalid value for \"seconds\" - must be a positive integer", out);
    } else if (seconds > FP_HTTP_SECONDS_MAX) {
        fp_http_error(400, "profile duration exceeds the endpoint's limit of 3600 seconds", out);
    } else if (query_int(req, "debug", &debug) && debug != 0) {
        fp_http_error(400, "seconds and debug params are incompatible", out);
    } else if (!(d = fp_mem_calloc(1, sizeof(*d))) || fp_siteprof_mark(p, &d->since) != 0) {
        fp_mem_free(d);
        fp_http_error(500, "out of memory", out);
    } else {
        d->n = n;
        d->p = p;
        fp_http_reply_static(out, 0, NULL, NULL, 0);
        out->later = (struct fp_http_later){.ready_ns = after_seconds(seconds),
                                            .state = d,
                                            .finish = delta_finish,
                                            .cancel = delta_cancel};
    }
}

bool fp_http_profile_named(const char *name, const struct fp_http_request *req,
                           struct fp_http_reply *out)
{
    const struct named *n = NULL;
    char msg[256], s[8];

    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]) && !n; i++)
        if (strcmp(name, named[i].name) == 0)
            n = &named[i];
    if (!n)
        return false;
    struct fp_siteprof *p = n->profile();
    if (!p) {
        snprintf(msg, sizeof(msg), "Profile not enabled: %s=off, or it could not start (see stderr)",
                 n->env);
        fp_http_error(500, msg, out);
    } else if (fp_http_query_get(req->query, "seconds", s, sizeof(s)) == 0) {
        serve_delta(n, p, req, out);
    } else {
        bool failed;
        struct fp_pprof *now = fp_siteprof_build(p, NULL, n->default_type, &failed);
        reply_profile(now, failed, name, name, out);
    }
    return true;
}
