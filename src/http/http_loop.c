/*
 * The connection loop. Owns the connection table: slots claimed and freed
 * by the server thread alone; each slot's descriptor is also read by a
 * fork child (fp_http_loop_close_all), so it is cleared before the
 * descriptor is closed and the table never names a number the program
 * may have reused.
 *
 * Limits: CONN_MAX connections (more are accepted and closed at once); a
 * request's line and headers within FP_HTTP_HEAD_MAX bytes, its body
 * within BODY_MAX; a request must arrive whole within REQUEST_TIMEOUT_NS
 * of its first byte (a client sending a byte a second gets 408), an idle
 * connection is closed after IDLE_TIMEOUT_NS, a response must be taken
 * within WRITE_TIMEOUT_NS. A reply promised for later (http_reply.h)
 * holds its connection, unread, until it is ready.
 *
 * Signal context: none.
 */
#include "http_loop.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "http_parse.h"
#include "http_reply.h"
#include "http_routes.h"
#include "libc.h"
#include "mem.h"
#include "ownfd.h"

#define CONN_MAX 256
#define BODY_MAX (1024 * 1024)
#define REQUEST_TIMEOUT_NS (10 * 1000000000ull)
#define IDLE_TIMEOUT_NS (30 * 1000000000ull)
#define WRITE_TIMEOUT_NS (60 * 1000000000ull)
#define POLL_MAX_MS 1000

struct conn {
    _Atomic int fd;        /* -1: the slot is free */
    char *in;              /* received bytes */
    size_t in_len, in_cap;
    char *out;             /* the response being sent */
    size_t out_len, out_off;
    bool writing, keep_alive;
    bool waiting, head_only; /* for `later` */
    struct fp_http_later later;
    uint64_t deadline_ns;     /* when waiting: later.ready_ns */
};

static struct conn conns[CONN_MAX] = {[0 ... CONN_MAX - 1] = {.fd = -1}};

static uint64_t now_ns(void)
{
    return fp_clock_ns(CLOCK_MONOTONIC);
}

static void conn_close(struct conn *c)
{
    int fd = atomic_exchange(&c->fd, -1);

    if (c->waiting)
        c->later.cancel(c->later.state);
    if (fd >= 0)
        close(fd);
    fp_mem_free(c->in);
    fp_mem_free(c->out);
    *c = (struct conn){.fd = -1}; /* fd is -1 already: a fork child sees no other value */
}

void fp_http_loop_close_all(void)
{
    for (int i = 0; i < CONN_MAX; i++) {
        int fd = atomic_exchange(&conns[i].fd, -1);
        if (fd >= 0)
            close(fd);
    }
}

static void accept_all(int listen_fd)
{
    for (;;) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return; /* EAGAIN, or an error the next poll will show again */
        fd = fp_ownfd_move(fd);
        struct conn *free_slot = NULL;
        for (int i = 0; i < CONN_MAX && !free_slot; i++)
            if (atomic_load(&conns[i].fd) < 0)
                free_slot = &conns[i];
        if (!free_slot) {
            close(fd); /* full: the client retries, or times out */
            continue;
        }
        free_slot->deadline_ns = now_ns() + IDLE_TIMEOUT_NS;
        atomic_store(&free_slot->fd, fd);
    }
}

/* Formats the response into c->out and switches to writing. HEAD gets the
 * headers alone. */
static void queue_reply(struct conn *c, const struct fp_http_reply *r, bool head_only)
{
    char head[512];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %u %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "%sConnection: %s\r\n\r\n",
                     r->status, fp_http_reason(r->status), r->type, r->len, r->headers,
                     c->keep_alive ? "keep-alive" : "close");
    size_t body = head_only ? 0 : r->len;

    /* A head that does not fit (no handler's does) closes the connection. */
    c->out = n > 0 && (size_t)n < sizeof(head) ? fp_mem_alloc((size_t)n + body) : NULL;
    if (c->out) {
        memcpy(c->out, head, (size_t)n);
        memcpy(c->out + n, r->body, body);
        c->out_len = (size_t)n + body;
    } else {
        c->keep_alive = false;
        c->out_len = 0;
    }
    fp_mem_free(r->owned);
    c->out_off = 0;
    c->writing = true;
    c->deadline_ns = now_ns() + WRITE_TIMEOUT_NS;
}

static void queue_error(struct conn *c, unsigned status)
{
    struct fp_http_reply r;

    c->keep_alive = false;
    fp_http_error(status, fp_http_reason(status), &r);
    queue_reply(c, &r, false);
}

/* Parses what has arrived and answers a complete request. */
static void try_request(struct conn *c)
{
    struct fp_http_request req;
    int rc = fp_http_parse(c->in, c->in_len, &req);

    if (rc > 0) {
        queue_error(c, (unsigned)rc);
        return;
    }
    if (rc < 0)
        return;
    if (req.content_length > BODY_MAX) {
        queue_error(c, 413);
        return;
    }
    if (c->in_len < req.head_len + req.content_length)
        return;
    struct fp_http_reply r;
    bool head_only = strcmp(req.method, "HEAD") == 0;
    c->keep_alive = req.keep_alive;
    fp_http_routes_handle(&req, c->in + req.head_len, req.content_length, &r);
    if (r.later.finish) {
        c->waiting = true;
        c->head_only = head_only;
        c->later = r.later;
        c->deadline_ns = r.later.ready_ns;
    } else {
        queue_reply(c, &r, head_only);
    }
    /* Pipelined bytes stay for the next request. */
    size_t used = req.head_len + req.content_length;
    memmove(c->in, c->in + used, c->in_len - used);
    c->in_len -= used;
}

static void on_readable(struct conn *c)
{
    for (;;) {
        if (c->in_len == c->in_cap) {
            size_t cap = c->in_cap ? c->in_cap * 2 : 4096;
            if (cap > FP_HTTP_HEAD_MAX + BODY_MAX) {
                queue_error(c, 413);
                return;
            }
            char *grown = fp_mem_realloc(c->in, cap);
            if (!grown) {
                conn_close(c);
                return;
            }
            c->in = grown;
            c->in_cap = cap;
        }
        ssize_t n = recv(atomic_load(&c->fd), c->in + c->in_len, c->in_cap - c->in_len, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            conn_close(c);
            return;
        }
        if (n < 0)
            break;
        if (c->in_len == 0)
            c->deadline_ns = now_ns() + REQUEST_TIMEOUT_NS; /* a request begins */
        c->in_len += (size_t)n;
    }
    try_request(c);
}

static void on_writable(struct conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = send(atomic_load(&c->fd), c->out + c->out_off, c->out_len - c->out_off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0) {
            conn_close(c);
            return;
        }
        c->out_off += (size_t)n;
    }
    if (!c->keep_alive) {
        conn_close(c);
        return;
    }
    fp_mem_free(c->out);
    c->out = NULL;
    c->out_len = c->out_off = 0;
    c->writing = false;
    c->deadline_ns = now_ns() + (c->in_len ? REQUEST_TIMEOUT_NS : IDLE_TIMEOUT_NS);
    if (c->in_len)
        try_request(c);
}

/* A promised reply is ready: it is sent, then the connection goes on
 * with what the client pipelined meanwhile. */
static void finish_later(struct conn *c)
{
    struct fp_http_reply r;

    c->waiting = false;
    c->later.finish(c->later.state, &r);
    queue_reply(c, &r, c->head_only);
}

static void expire(uint64_t now)
{
    for (int i = 0; i < CONN_MAX; i++) {
        struct conn *c = &conns[i];
        if (atomic_load(&c->fd) < 0 || now < c->deadline_ns)
            continue;
        if (c->waiting)
            finish_later(c);
        else if (c->writing || c->in_len == 0)
            conn_close(c);
        else
            queue_error(c, 408);
    }
}

/* How long poll may wait: until the next promised reply is due, at most
 * POLL_MAX_MS (timeouts are checked as often). */
static int poll_timeout(uint64_t now)
{
    uint64_t ms = POLL_MAX_MS;

    for (int i = 0; i < CONN_MAX; i++) {
        const struct conn *c = &conns[i];
        if (atomic_load(&c->fd) >= 0 && c->waiting) {
            uint64_t due = c->deadline_ns > now ? (c->deadline_ns - now + 999999) / 1000000 : 0;
            if (due < ms)
                ms = due;
        }
    }
    return (int)ms;
}

/* What a connection waits for: a waiting one only for its client to go
 * away (what the client pipelines meanwhile stays unread). */
static short conn_events(const struct conn *c)
{
    if (c->waiting)
        return POLLRDHUP;
    return c->writing ? POLLOUT : POLLIN;
}

void fp_http_loop_run(int listen_fd, int wake_fd, const atomic_bool *quit)
{
    static struct pollfd fds[CONN_MAX + 2];
    static struct conn *of[CONN_MAX + 2];

    while (!atomic_load(quit)) {
        nfds_t n = 0;
        fds[n++] = (struct pollfd){.fd = listen_fd, .events = POLLIN};
        fds[n++] = (struct pollfd){.fd = wake_fd, .events = POLLIN};
        for (int i = 0; i < CONN_MAX; i++) {
            int fd = atomic_load(&conns[i].fd);
            if (fd < 0)
                continue;
            of[n] = &conns[i];
            fds[n++] = (struct pollfd){.fd = fd, .events = conn_events(&conns[i])};
        }
        if (fp_libc_poll(fds, n, poll_timeout(now_ns())) < 0 && errno != EINTR)
            break;
        if (fds[1].revents) {
            uint64_t count;
            ssize_t got = read(wake_fd, &count, sizeof(count));
            (void)got;
        }
        for (nfds_t i = 2; i < n; i++) {
            struct conn *c = of[i];
            if (!fds[i].revents || atomic_load(&c->fd) != fds[i].fd)
                continue;
            if (c->waiting)
                conn_close(c); /* the client went away: nothing to send */
            else if (c->writing)
                on_writable(c);
            else
                on_readable(c);
        }
        if (fds[0].revents)
            accept_all(listen_fd);
        expire(now_ns());
    }
    /* Promised replies give back what they hold (a CPU window holds the
     * sampler). */
    for (int i = 0; i < CONN_MAX; i++)
        if (atomic_load(&conns[i].fd) >= 0)
            conn_close(&conns[i]);
}
