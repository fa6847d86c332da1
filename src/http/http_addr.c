/*
 * FLIGHTPROF_HTTP's address syntax, both ways. Owns nothing.
 *
 * Signal context: none.
 */
#include "http_addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "%s", why);
    return -1;
}

static int parse_port(const char *s, in_port_t *out)
{
    char *end;
    long v;

    if (*s < '0' || *s > '9')
        return -1;
    v = strtol(s, &end, 10);
    if (*end || v > 65535)
        return -1;
    *out = htons((in_port_t)v);
    return 0;
}

static int parse_unix(const char *path, struct fp_http_addr *out, char *err, size_t errlen)
{
    if (path[0] != '/')
        return fail(err, errlen, "a unix socket needs an absolute path");
    if (strlen(path) >= sizeof(out->u.un.sun_path))
        return fail(err, errlen, "the unix socket path is too long");
    out->u.un.sun_family = AF_UNIX;
    strcpy(out->u.un.sun_path, path);
    out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
    out->loopback = true;
    return 0;
}

/* `host` is a NUL-terminated IP literal, "localhost" or "" (loopback). */
static int parse_host(const char *host, bool bracketed, struct fp_http_addr *out)
{
    if (bracketed) {
        if (inet_pton(AF_INET6, host, &out->u.in6.sin6_addr) != 1)
            return -1;
        out->u.in6.sin6_family = AF_INET6;
        out->len = sizeof(out->u.in6);
        out->loopback = IN6_IS_ADDR_LOOPBACK(&out->u.in6.sin6_addr);
        return 0;
    }
    if (!*host || strcmp(host, "localhost") == 0)
        host = "127.0.0.1";
    if (inet_pton(AF_INET, host, &out->u.in.sin_addr) != 1)
        return -1;
    out->u.in.sin_family = AF_INET;
    out->len = sizeof(out->u.in);
    out->loopback = (ntohl(out->u.in.sin_addr.s_addr) >> 24) == 127;
    return 0;
}

int fp_http_addr_parse(const char *s, struct fp_http_addr *out, char *err, size_t errlen)
{
    char host[64];
    const char *colon, *port;
    bool bracketed = false;
    size_t hostlen;

    memset(out, 0, sizeof(*out));
    if (strncmp(s, "unix:", 5) == 0)
        return parse_unix(s + 5, out, err, errlen);
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return fail(err, errlen, "an IPv6 address is written [ADDR]:PORT");
        bracketed = true;
        hostlen = (size_t)(close - s - 1);
        memcpy(host, s + 1, hostlen < sizeof(host) ? hostlen : 0);
        port = close + 2;
    } else if ((colon = strrchr(s, ':'))) {
        hostlen = (size_t)(colon - s);
        if (hostlen < sizeof(host))
            memcpy(host, s, hostlen);
        port = colon + 1;
    } else {
        hostlen = 0;
        port = s;
    }
    if (hostlen >= sizeof(host))
        return fail(err, errlen, "the host is too long");
    host[hostlen] = '\0';
    in_port_t p;
    if (parse_port(port, &p) != 0)
        return fail(err, errlen, "the port is not a number in 0..65535");
    if (parse_host(host, bracketed, out) != 0)
        return fail(err, errlen, "the host is not an IP address or localhost (no name is looked up)");
    if (out->u.sa.sa_family == AF_INET)
        out->u.in.sin_port = p;
    else
        out->u.in6.sin6_port = p;
    return 0;
}

void fp_http_addr_format(const struct fp_http_addr *a, char *buf, size_t len)
{
    char ip[INET6_ADDRSTRLEN];

    switch (a->u.sa.sa_family) {
    case AF_UNIX:
        snprintf(buf, len, "unix:%s", a->u.un.sun_path);
        break;
    case AF_INET6:
        inet_ntop(AF_INET6, &a->u.in6.sin6_addr, ip, sizeof(ip));
        snprintf(buf, len, "[%s]:%u", ip, ntohs(a->u.in6.sin6_port));
        break;
    default:
        inet_ntop(AF_INET, &a->u.in.sin_addr, ip, sizeof(ip));
        snprintf(buf, len, "%s:%u", ip, ntohs(a->u.in.sin_port));
        break;
    }
}
