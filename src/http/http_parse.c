/*
 * The HTTP/1.x request parser. Owns nothing; pure functions of their
 * arguments.
 *
 * Signal context: none.
 */
#include "http_parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A token character of RFC 9110 (methods and header names). */
static bool tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..n) into out (NUL-terminated); '+' becomes a space
 * when `plus` is set. A decoded NUL is refused. Returns 0 or -1. */
static int decode(const char *s, size_t n, bool plus, char *out, size_t outlen)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            int hi = i + 2 < n ? hex(s[i + 1]) : -1;
            int lo = i + 2 < n ? hex(s[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return -1;
            c = (char)(hi << 4 | lo);
            i += 2;
        } else if (c == '+' && plus) {
            c = ' ';
        }
        if (o + 1 >= outlen)
            return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    return 0;
}

/* Copies s[0..n) into a field of `size` bytes; -1 if it does not fit. */
static int copy(char *field, size_t size, const char *s, size_t n)
{
    if (n >= size)
        return -1;
    memcpy(field, s, n);
    field[n] = '\0';
    return 0;
}

/* The end of the line starting at `p` (the CR of its CRLF, or the LF of a
 * bare LF), or NULL if `end` comes first. */
static const char *line_end(const char *p, const char *end)
{
    const char *lf = memchr(p, '\n', (size_t)(end - p));

    if (!lf)
        return NULL;
    return lf > p && lf[-1] == '\r' ? lf - 1 : lf;
}

static const char *next_line(const char *eol)
{
    return *eol == '\r' ? eol + 2 : eol + 1;
}

static int parse_request_line(const char *p, const char *eol, struct fp_http_request *req)
{
    const char *sp1 = memchr(p, ' ', (size_t)(eol - p));
    if (!sp1 || sp1 == p)
        return 400;
    for (const char *c = p; c < sp1; c++)
        if (!tchar(*c))
            return 400;
    if (copy(req->method, sizeof(req->method), p, (size_t)(sp1 - p)) != 0)
        return 501;
    const char *target = sp1 + 1;
    const char *sp2 = memchr(target, ' ', (size_t)(eol - target));
    if (!sp2 || sp2 == target || *target != '/')
        return 400;
    const char *version = sp2 + 1;
    if ((size_t)(eol - version) != 8 || memcmp(version, "HTTP/1.", 7) != 0)
        return (size_t)(eol - version) >= 5 && memcmp(version, "HTTP/", 5) == 0 ? 505 : 400;
    if (version[7] != '0' && version[7] != '1')
        return 505;
    req->keep_alive = version[7] == '1';
    for (const char *c = target; c < sp2; c++)
        if ((unsigned char)*c <= ' ' || *c == 0x7f)
            return 400;
    const char *q = memchr(target, '?', (size_t)(sp2 - target));
    const char *path_end = q ? q : sp2;
    if ((size_t)(path_end - target) >= sizeof(req->path))
        return 414;
    if (decode(target, (size_t)(path_end - target), false, req->path, sizeof(req->path)) != 0)
        return 400;
    if (q && copy(req->query, sizeof(req->query), q + 1, (size_t)(sp2 - q - 1)) != 0)
        return 414;
    return 0;
}

/* Whether header value v[0..n) lists `token` (comma-separated, any case). */
static bool lists(const char *v, size_t n, const char *token)
{
    size_t t = strlen(token);

    for (size_t i = 0; i < n;) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t start = i;
        while (i < n && v[i] != ',')
            i++;
        size_t end = i;
        while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
            end--;
        if (end - start == t && strncasecmp(v + start, token, t) == 0)
            return true;
    }
    return false;
}

static int parse_header(const char *p, const char *eol, struct fp_http_request *req,
                        bool *seen_length)
{
    const char *colon = memchr(p, ':', (size_t)(eol - p));
    if (!colon || colon == p)
        return 400;
    for (const char *c = p; c < colon; c++)
        if (!tchar(*c))
            return 400; /* also refuses obsolete line folding */
    const char *v = colon + 1, *vend = eol;
    while (v < vend && (*v == ' ' || *v == '\t'))
        v++;
    while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
        vend--;
    for (const char *c = v; c < vend; c++)
        if (*c == '\0' || *c == '\r' || *c == '\n')
            return 400;
    size_t name_len = (size_t)(colon - p), n = (size_t)(vend - v);

#define IS(name) (name_len == sizeof(name) - 1 && strncasecmp(p, name, name_len) == 0)
    if (IS("Content-Length")) {
        size_t value = 0;
        if (n == 0 || n > 9 || *seen_length)
            return 400; /* a second length could smuggle a request */
        for (size_t i = 0; i < n; i++) {
            if (v[i] < '0' || v[i] > '9')
                return 400;
            value = value * 10 + (size_t)(v[i] - '0');
        }
        *seen_length = true;
        req->content_length = value;
    } else if (IS("Transfer-Encoding")) {
        return 501;
    } else if (IS("Authorization")) {
        if (copy(req->authorization, sizeof(req->authorization), v, n) != 0)
            return 431;
    } else if (IS("Connection")) {
        if (lists(v, n, "close"))
            req->keep_alive = false;
        else if (lists(v, n, "keep-alive"))
            req->keep_alive = true;
    }
#undef IS
    return 0;
}

int fp_http_parse(const char *buf, size_t len, struct fp_http_request *req)
{
    const char *p = buf, *end = buf + (len < FP_HTTP_HEAD_MAX ? len : FP_HTTP_HEAD_MAX);
    bool seen_length = false;
    int rc;

    memset(req, 0, sizeof(*req));
    /* Blank lines before the request line are allowed (RFC 9112 2.2). */
    while (p < end && (*p == '\r' || *p == '\n'))
        p++;
    const char *eol = line_end(p, end);
    if (!eol)
        return len >= FP_HTTP_HEAD_MAX ? 431 : -1;
    if ((rc = parse_request_line(p, eol, req)) != 0)
        return rc;
    for (p = next_line(eol);; p = next_line(eol)) {
        if (p >= end || !(eol = line_end(p, end)))
            return len >= FP_HTTP_HEAD_MAX ? 431 : -1;
        if (eol == p) /* the blank line */
            break;
        if ((rc = parse_header(p, eol, req, &seen_length)) != 0)
            return rc;
    }
    req->head_len = (size_t)(next_line(eol) - buf);
    return 0;
}

bool fp_http_query_int(const char *query, const char *key, long long *v)
{
    char s[32], *end;

    if (fp_http_query_get(query, key, s, sizeof(s)) != 0 || !s[0] || isspace((unsigned char)s[0]))
        return false;
    errno = 0;
    *v = strtoll(s, &end, 10);
    return errno == 0 && *end == '\0';
}

bool fp_http_query_seconds(const char *query, const char *key, int64_t *ns)
{
    const int64_t whole_max = INT64_MAX / 1000000000 - 1; /* leaves room for the fraction */
    char s[64];
    const char *p = s;
    int64_t whole = 0, frac = 0, scale = 100000000;
    bool negative = false, digits = false;

    if (fp_http_query_get(query, key, s, sizeof(s)) != 0)
        return false;
    if (*p == '+' || *p == '-')
        negative = *p++ == '-';
    for (; isdigit((unsigned char)*p); p++, digits = true)
        whole = whole < whole_max ? whole * 10 + (*p - '0') : whole_max;
    if (*p == '.')
        for (p++; isdigit((unsigned char)*p); p++, digits = true, scale /= 10)
            frac += (*p - '0') * scale;
    if (!digits || *p)
        return false;
    *ns = (whole * 1000000000 + frac) * (negative ? -1 : 1);
    return true;
}

size_t fp_http_parse_addresses(const char *s, size_t len, uint64_t *addrs, size_t max)
{
    size_t n = 0;

    for (size_t at = 0; at < len && n < max;) {
        const char *plus = memchr(s + at, '+', len - at);
        size_t end = plus ? (size_t)(plus - s) : len;
        char word[32], *stop;
        /* strtoull would take a sign or leading blanks: Go's ParseUint does not. */
        if (end > at && end - at < sizeof(word) && isxdigit((unsigned char)s[at])) {
            memcpy(word, s + at, end - at);
            word[end - at] = '\0';
            errno = 0;
            unsigned long long v = strtoull(word, &stop, 0);
            if (errno == 0 && *stop == '\0' && v)
                addrs[n++] = v;
        }
        at = end + 1;
    }
    return n;
}

int fp_http_query_get(const char *query, const char *key, char *out, size_t outlen)
{
    size_t klen = strlen(key);

    for (const char *p = query; *p;) {
        const char *amp = strchr(p, '&');
        size_t n = amp ? (size_t)(amp - p) : strlen(p);
        if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=')
            return decode(p + klen + 1, n - klen - 1, true, out, outlen);
        if (n == klen && strncmp(p, key, klen) == 0)
            return decode("", 0, true, out, outlen);
        p += n + (amp ? 1 : 0);
        if (!amp)
            break;
    }
    return -1;
}
