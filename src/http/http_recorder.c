/*
 * The flight recorder over HTTP: /debug/flightrecorder (the window as it
 * is now) and /debug/pprof/trace?seconds=N (the events of the next N
 * seconds), each a snapshot file as FLIGHTPROF_SNAPSHOT writes them, for
 * `flightprof dump` and `flightprof convert`. Owns a trace request's start
 * time from its arrival to its answer.
 *
 * The snapshot writer writes to a descriptor with the crash handler's
 * calls only; here that descriptor is a memory file of flightprof's own,
 * read back into the reply and closed, so nothing touches the disk.
 *
 * Signal context: none (the server thread, in the internal scope).
 */
#include "http_recorder.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "mem.h"
#include "ownfd.h"
#include "recorder.h"

#define NOT_ENABLED "Flight recorder not enabled: set FLIGHTPROF_SNAPSHOT (or it could not start: see stderr)"

/* The whole of `fd`'s file into fp_mem memory; NULL with errno on failure. */
static char *read_back(int fd, size_t *len)
{
    struct stat st;
    char *buf;
    size_t got = 0;

    if (fstat(fd, &st) != 0)
        return NULL;
    if (!(buf = fp_mem_alloc(st.st_size ? (size_t)st.st_size : 1)))
        return NULL;
    while (got < (size_t)st.st_size) {
        ssize_t n = pread(fd, buf + got, (size_t)st.st_size - got, (off_t)got);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            if (n == 0)
                errno = EIO; /* the file shrank: it is ours alone, so never */
            fp_mem_free(buf);
            return NULL;
        }
        got += (size_t)n;
    }
    *len = got;
    return buf;
}

/* A snapshot of the events since `since_ns` (0: the whole window) as an
 * attachment named `filename`, or Go's 500 saying why there is none. */
static void reply_snapshot(uint64_t since_ns, const char *filename, struct fp_http_reply *out)
{
    char msg[256], disposition[96], *body = NULL;
    size_t len = 0;
    int fd = fp_ownfd_move(memfd_create("flightprof-snapshot", MFD_CLOEXEC));

    if (fd >= 0 && fp_recorder_write_fd(fd, since_ns) == 0)
        body = read_back(fd, &len);
    int saved = errno;
    if (fd >= 0)
        close(fd);
    if (!body) {
        if (saved == ESRCH)
            snprintf(msg, sizeof(msg), "%s", NOT_ENABLED);
        else
            snprintf(msg, sizeof(msg), "Could not write the snapshot: %s", strerror(saved));
        fp_http_error(500, msg, out);
        return;
    }
    fp_http_reply_owned(out, "application/octet-stream", body, len);
    snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s\"", filename);
    fp_http_reply_header(out, "Content-Disposition", disposition);
}

void fp_http_flightrecorder(struct fp_http_reply *out)
{
    reply_snapshot(0, "flightrecorder", out);
}

/* ---- /debug/pprof/trace ---------------------------------------------------- */

struct trace {
    uint64_t since_ns;
};

static void trace_finish(void *state, struct fp_http_reply *out)
{
    struct trace *t = state;

    reply_snapshot(t->since_ns, "trace", out);
    fp_mem_free(t);
}

static void trace_cancel(void *state)
{
    fp_mem_free(state);
}

void fp_http_trace(const struct fp_http_request *req, struct fp_http_reply *out)
{
    int64_t ns;
    struct trace *t;

    /* Go's: a missing, invalid or non-positive duration is one second. */
    if (!fp_http_query_seconds(req->query, "seconds", &ns) || ns <= 0)
        ns = 1000000000;
    if (!fp_http_seconds_within_limit((ns + 999999999) / 1000000000, out))
        return;
    if (!fp_recorder_enabled()) {
        fp_http_error(500, NOT_ENABLED, out);
        return;
    }
    if (!(t = fp_mem_alloc(sizeof(*t)))) {
        fp_http_error(500, "out of memory", out);
        return;
    }
    t->since_ns = fp_now_ns();
    fp_http_reply_later(out, (uint64_t)ns, t, trace_finish, trace_cancel);
}
