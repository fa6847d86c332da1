/*
 * The address FLIGHTPROF_HTTP names: "PORT", ":PORT", "HOST:PORT",
 * "[IPV6]:PORT" or "unix:/PATH". HOST is an IP literal or "localhost":
 * nothing is looked up (no resolver, no network), and a bare port listens
 * on loopback only, unlike Go's ":6060".
 */
#ifndef FLIGHTPROF_HTTP_ADDR_H
#define FLIGHTPROF_HTTP_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

struct fp_http_addr {
    union {
        struct sockaddr sa;
        struct sockaddr_in in;
        struct sockaddr_in6 in6;
        struct sockaddr_un un;
    } u;
    socklen_t len;
    bool loopback; /* a unix socket counts as loopback */
};

/*
 * Parses `s` into `out`. Returns 0, or -1 with a reason in `err` (for a
 * "FLIGHTPROF_HTTP=...: REASON" line). Port 0 asks the kernel for a free
 * port.
 */
int fp_http_addr_parse(const char *s, struct fp_http_addr *out, char *err, size_t errlen);

/* Writes `a` as "127.0.0.1:6060", "[::1]:6060" or "unix:/path" (the form
 * fp_http_addr_parse reads back). */
void fp_http_addr_format(const struct fp_http_addr *a, char *buf, size_t len);

#endif
