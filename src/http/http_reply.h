/*
 * An HTTP response as the endpoint's handlers build it and the connection
 * loop sends it, and the plain-text errors Go's handlers write.
 */
#ifndef FLIGHTPROF_HTTP_REPLY_H
#define FLIGHTPROF_HTTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fp_http_reply;

/* The content type of Go's plain-text answers. */
#define FP_HTTP_TEXT "text/plain; charset=utf-8"

/*
 * A reply that is not ready yet (a profile of the next N seconds): the
 * loop reads nothing more from the client until `ready_ns`
 * (CLOCK_MONOTONIC), then calls finish(state, out) for the reply; if the
 * client goes away or the server stops first, it calls cancel(state).
 * Exactly one of the two is called.
 */
struct fp_http_later {
    uint64_t ready_ns;
    void *state;
    void (*finish)(void *state, struct fp_http_reply *out);
    void (*cancel)(void *state);
};

/* The longest a deferred answer may be asked to wait, in seconds. */
#define FP_HTTP_SECONDS_MAX 3600

/* A response: status, content type, more headers, body; or, when
 * later.finish is set, the promise of one. */
struct fp_http_reply {
    unsigned status;
    const char *type;
    char headers[256];          /* "Name: value\r\n" lines (fp_http_reply_header) */
    const char *body;           /* static text, or `owned` */
    char *owned;                /* fp_mem memory the server frees */
    size_t len;
    struct fp_http_later later;
};

/* Fills `out` with a static `body` of `len` bytes. */
void fp_http_reply_static(struct fp_http_reply *out, unsigned status, const char *type,
                          const char *body, size_t len);

/* A text answer built in a buffer of fixed size: what does not fit is
 * dropped (the endpoint's pages are far smaller). */
struct fp_http_text {
    char *buf; /* fp_mem memory, or NULL when it could not be had */
    size_t len, cap;
};

/* Takes a buffer of `cap` bytes; false when out of memory. */
bool fp_http_text_init(struct fp_http_text *t, size_t cap);
void fp_http_text_add(struct fp_http_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fills `out` with 200, `type` and `body` (fp_mem memory it then owns),
 * nosniff as Go's handlers send it with every answer of theirs. */
void fp_http_reply_owned(struct fp_http_reply *out, const char *type, char *body, size_t len);

/* Fills `out` with the text (which it then owns): 200 and `type`. */
void fp_http_reply_text(struct fp_http_reply *out, const char *type, struct fp_http_text *t);

/* False, with the 400 in `out`, when a request asks to wait `seconds`,
 * more than FP_HTTP_SECONDS_MAX. */
bool fp_http_seconds_within_limit(long long seconds, struct fp_http_reply *out);

/* Makes `out` the promise of an answer `wait_ns` from now: finish(state)
 * then, or cancel(state) (struct fp_http_later). */
void fp_http_reply_later(struct fp_http_reply *out, uint64_t wait_ns, void *state,
                         void (*finish)(void *state, struct fp_http_reply *out),
                         void (*cancel)(void *state));

/* Adds the header "name: value" to `out` (dropped if it has no room,
 * which no handler's headers come near). */
void fp_http_reply_header(struct fp_http_reply *out, const char *name, const char *value);

/* Fills `out` with Go's plain-text error for `status`: the message and a
 * newline, text/plain, X-Go-Pprof: 1 and nosniff. */
void fp_http_error(unsigned status, const char *msg, struct fp_http_reply *out);

/* The reason phrase of `status` ("OK", "Not Found"). */
const char *fp_http_reason(unsigned status);

#endif
