/*
 * Request dispatch, the token check and the small endpoint, cmdline. Owns
 * the token (set once before the server thread starts, read-only
 * afterwards).
 *
 * Signal context: none (the server thread, in the internal scope).
 */
#include "http_routes.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "http_metrics.h"
#include "http_profiles.h"
#include "http_recorder.h"
#include "mem.h"
#include "procfs.h"

#define PPROF_PREFIX "/debug/pprof/"
#define CMDLINE_MAX (256 * 1024)
static char token[256];

void fp_http_routes_init(const char *t)
{
    snprintf(token, sizeof(token), "%s", t);
}

/* Compares every byte whatever the first difference, so the time a wrong
 * token takes says nothing about how much of it was right. */
static bool token_matches(const char *given)
{
    size_t want = strlen(token), have = strlen(given);
    unsigned char diff = (unsigned char)(want != have);

    for (size_t i = 0; i < want; i++)
        diff |= (unsigned char)(token[i] ^ (i < have ? given[i] : 0));
    return diff == 0;
}

static bool authorized(const struct fp_http_request *req)
{
    if (!token[0])
        return true;
    if (strncmp(req->authorization, "Bearer ", 7) != 0)
        return token_matches("");
    return token_matches(req->authorization + 7);
}

/* argv NUL-separated, as Go's strings.Join(os.Args, "\x00"): the kernel's
 * copy without its final NUL. */
static void serve_cmdline(struct fp_http_reply *out)
{
    char *buf = fp_mem_alloc(CMDLINE_MAX);
    ssize_t len = buf ? fp_procfs_read("/proc/self/cmdline", buf, CMDLINE_MAX) : -1;

    if (len < 0) {
        fp_mem_free(buf);
        fp_http_error(500, "cannot read the command line", out);
        return;
    }
    if (len > 0 && buf[len - 1] == '\0')
        len--;
    fp_http_reply_owned(out, FP_HTTP_TEXT, buf, (size_t)len);
}

static void serve_pprof(const char *name, const struct fp_http_request *req,
                        struct fp_http_reply *out)
{
    if (!*name)
        fp_http_profile_index(out);
    else if (strcmp(name, "cmdline") == 0)
        serve_cmdline(out);
    else if (strcmp(name, "profile") == 0)
        fp_http_profile_cpu(req, out);
    else if (strcmp(name, "trace") == 0)
        fp_http_trace(req, out);
    else if (!fp_http_profile_named(name, req, out))
        fp_http_error(404, "Unknown profile", out);
}

void fp_http_routes_handle(const struct fp_http_request *req, const char *body, size_t body_len,
                           struct fp_http_reply *out)
{
    if (!authorized(req)) {
        fp_http_reply_static(out, 401, FP_HTTP_TEXT, "Unauthorized\n", 13);
        fp_http_reply_header(out, "WWW-Authenticate", "Bearer");
    } else if (strcmp(req->path, PPROF_PREFIX "symbol") == 0) {
        fp_http_symbol(req, body, body_len, out); /* any method, as Go's handler */
    } else if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        fp_http_reply_static(out, 405, FP_HTTP_TEXT, "Method Not Allowed\n", 19);
        fp_http_reply_header(out, "Allow", "GET, HEAD");
    } else if (strcmp(req->path, "/debug/pprof") == 0) {
        fp_http_reply_static(out, 301, FP_HTTP_TEXT, "", 0);
        fp_http_reply_header(out, "Location", PPROF_PREFIX);
    } else if (strcmp(req->path, "/metrics") == 0) {
        fp_http_metrics(out);
    } else if (strcmp(req->path, "/debug/flightrecorder") == 0) {
        fp_http_flightrecorder(out);
    } else if (strncmp(req->path, PPROF_PREFIX, strlen(PPROF_PREFIX)) == 0) {
        serve_pprof(req->path + strlen(PPROF_PREFIX), req, out);
    } else {
        fp_http_reply_static(out, 404, FP_HTTP_TEXT, "404 page not found\n", 19);
    }
}
