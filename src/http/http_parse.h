/*
 * HTTP/1.x requests, read from bytes a client sent: the request line and
 * the headers the endpoint uses. Written for hostile input: every length
 * is bounded, nothing is allocated, and what is not understood is refused
 * with the status that says why. Fuzzed (tests/fuzz/fuzz_http_parse.c).
 */
#ifndef FLIGHTPROF_HTTP_PARSE_H
#define FLIGHTPROF_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most a request's line and headers may take. */
#define FP_HTTP_HEAD_MAX (16 * 1024)

struct fp_http_request {
    char method[8];
    char path[1024];          /* percent-decoded, without the query */
    char query[1024];         /* as sent, without the '?' */
    char authorization[512];  /* "" when absent */
    size_t head_len;          /* bytes of the line and headers, blank line included */
    size_t content_length;    /* 0 when absent */
    bool keep_alive;          /* HTTP/1.1 without "Connection: close" */
};

/*
 * Parses the request at the start of `buf` (`len` bytes received so far).
 * Returns 0 when the line and headers are complete (req filled; the body,
 * if any, follows at buf + head_len), -1 when more bytes are needed, or an
 * HTTP status to answer with: 400 malformed, 414 path or query too long,
 * 431 headers too large, 501 a transfer coding, 505 not HTTP/1.x.
 */
int fp_http_parse(const char *buf, size_t len, struct fp_http_request *req);

/*
 * Finds `key` in a query string ("a=1&b=2") and copies its value,
 * percent-decoded ('+' is a space), to `out`. Returns 0, -1 if absent or
 * if the value does not fit or decode.
 */
int fp_http_query_get(const char *query, const char *key, char *out, size_t outlen);

/* The value of `key` in `query` as Go's strconv.ParseInt(s, 10, 64)
 * reads it: all of it, decimal, an optional sign. False when absent or
 * not such a number. */
bool fp_http_query_int(const char *query, const char *key, long long *v);

/* The value of `key` in `query` as a number of seconds in plain decimal
 * ("2", "0.5", ".5", "-1"), the forms of Go's strconv.ParseFloat that
 * people write, in ns (digits past the ninth decimal dropped, saturating
 * far above any limit). False when absent or not such a number, exponents
 * and hexadecimal included. */
bool fp_http_query_seconds(const char *query, const char *key, int64_t *ns);

/* Go's /debug/pprof/symbol input: words split at '+', each read as
 * strconv.ParseUint(word, 0, 64) (0x for hex, 0 for octal); a word that
 * does not parse, or is 0, is skipped. Stores at most `max` addresses of
 * s[0..len) in addrs; returns how many. */
size_t fp_http_parse_addresses(const char *s, size_t len, uint64_t *addrs, size_t max);

#endif
