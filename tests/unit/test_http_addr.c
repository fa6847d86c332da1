// links: src/http/http_addr.c
/* FLIGHTPROF_HTTP's address syntax: every accepted form parses to the
 * address it names and formats back to a form that parses the same; a
 * bare port is loopback; what is not an address is refused with a reason,
 * and no name is ever looked up. */
#include <arpa/inet.h>
#include <string.h>

#include "check.h"
#include "http_addr.h"

static void accepts(const char *s, const char *formatted, bool loopback)
{
    struct fp_http_addr a, b;
    char err[128], out[128];

    if (fp_http_addr_parse(s, &a, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s refused: %s\n", s, err);
        exit(1);
    }
    fp_http_addr_format(&a, out, sizeof(out));
    if (strcmp(out, formatted) != 0 || a.loopback != loopback) {
        fprintf(stderr, "%s: formatted %s loopback %d, want %s %d\n", s, out, a.loopback,
                formatted, loopback);
        exit(1);
    }
    CHECK(fp_http_addr_parse(out, &b, err, sizeof(err)) == 0);
    CHECK(b.len == a.len && memcmp(&a.u, &b.u, a.len) == 0);
}

static void refuses(const char *s, const char *why)
{
    struct fp_http_addr a;
    char err[128] = "";

    CHECK(fp_http_addr_parse(s, &a, err, sizeof(err)) == -1);
    if (!strstr(err, why)) {
        fprintf(stderr, "%s: reason \"%s\", want one with \"%s\"\n", s, err, why);
        exit(1);
    }
}

int main(void)
{
    char long_path[200];

    accepts("6060", "127.0.0.1:6060", true);
    accepts(":6060", "127.0.0.1:6060", true);
    accepts("0", "127.0.0.1:0", true);
    accepts("localhost:80", "127.0.0.1:80", true);
    accepts("127.1.2.3:65535", "127.1.2.3:65535", true);
    accepts("0.0.0.0:6060", "0.0.0.0:6060", false);
    accepts("192.168.1.5:1", "192.168.1.5:1", false);
    accepts("[::1]:6060", "[::1]:6060", true);
    accepts("[::]:6060", "[::]:6060", false);
    accepts("unix:/run/x.sock", "unix:/run/x.sock", true);

    refuses("", "port");
    refuses(":", "port");
    refuses("65536", "port");
    refuses("-1", "port");
    refuses("60a", "port");
    refuses("127.0.0.1:", "port");
    refuses("example.com:80", "no name is looked up");
    refuses("256.0.0.1:80", "not an IP address");
    refuses("::1:6060", "not an IP address");
    refuses("[::1]6060", "[ADDR]:PORT");
    refuses("[::1:6060", "[ADDR]:PORT");
    refuses("[nonsense]:6060", "not an IP address");
    refuses("unix:relative", "absolute path");
    memset(long_path, 'a', sizeof(long_path) - 1);
    long_path[0] = '/';
    long_path[sizeof(long_path) - 1] = '\0';
    char spec[256];
    snprintf(spec, sizeof(spec), "unix:%s", long_path);
    refuses(spec, "too long");
    memset(spec, '1', sizeof(spec) - 1);
    spec[sizeof(spec) - 1] = '\0';
    spec[200] = ':';
    refuses(spec, "too long");
    printf("ok\n");
    return 0;
}
