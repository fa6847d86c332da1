// links: src/http/http_parse.c
/* The endpoint's request parser: what it reads from well-formed requests
 * (method, decoded path, query, token, body length, keep-alive), the status
 * it answers malformed and oversized ones with, the query lookup; then
 * every input of the fuzzing corpus (tests/fuzz/corpus-http/) through the
 * fuzz target's own checks, so make check (and make check SAN=1) replays
 * what the fuzzer found. */
#include <dirent.h>
#include <stdio.h>

#include "../fuzz/fuzz_http_parse.c"
#include "check.h"

static int parse(const char *s, struct fp_http_request *req)
{
    return fp_http_parse(s, strlen(s), req);
}

static void test_good(void)
{
    struct fp_http_request r;
    const char *get = "GET /debug/pprof/profile?seconds=5&x=%41 HTTP/1.1\r\nHost: h\r\n"
                      "Authorization: Bearer t0k\r\n\r\nNEXT";

    CHECK(parse(get, &r) == 0);
    CHECK(strcmp(r.method, "GET") == 0 && strcmp(r.path, "/debug/pprof/profile") == 0);
    CHECK(strcmp(r.query, "seconds=5&x=%41") == 0);
    CHECK(strcmp(r.authorization, "Bearer t0k") == 0 && r.keep_alive && r.content_length == 0);
    CHECK(r.head_len == strlen(get) - 4);

    CHECK(parse("POST /debug/pprof/symbol HTTP/1.0\nContent-Length: 12\n\n0x1+0x2", &r) == 0);
    CHECK(r.content_length == 12 && !r.keep_alive && strcmp(r.method, "POST") == 0);
    CHECK(parse("GET /a%20b HTTP/1.1\r\nConnection: Close\r\n\r\n", &r) == 0);
    CHECK(strcmp(r.path, "/a b") == 0 && !r.keep_alive);
    CHECK(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &r) == 0 && r.keep_alive);
    CHECK(parse("\r\nGET / HTTP/1.1\r\n\r\n", &r) == 0); /* a leading blank line */
}

static void test_incomplete_and_bad(void)
{
    struct fp_http_request r;
    static char big[FP_HTTP_HEAD_MAX + 100];

    CHECK(parse("", &r) == -1);
    CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\n", &r) == -1);
    CHECK(parse("GET / HTTP/1.1", &r) == -1);
    CHECK(parse("GET / HTTP/1.1\r\n\r", &r) == -1);
    CHECK(parse("\x01\xff garbage\r\n\r\n", &r) == 400);
    CHECK(parse("GET  / HTTP/1.1\r\n\r\n", &r) == 400);
    CHECK(parse("GET nothing HTTP/1.1\r\n\r\n", &r) == 400);
    CHECK(parse("GET / HTTP/2.0\r\n\r\n", &r) == 505);
    CHECK(parse("GET / FTP/1.0\r\n\r\n", &r) == 400);
    CHECK(parse("VERYLONGMETHOD / HTTP/1.1\r\n\r\n", &r) == 501);
    CHECK(parse("GET /%00 HTTP/1.1\r\n\r\n", &r) == 400);
    CHECK(parse("GET /%zz HTTP/1.1\r\n\r\n", &r) == 400);
    CHECK(parse("GET / HTTP/1.1\r\nNo colon\r\n\r\n", &r) == 400);
    CHECK(parse("GET / HTTP/1.1\r\n folded: x\r\n\r\n", &r) == 400);
    CHECK(parse("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", &r) == 400);
    CHECK(parse("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", &r) == 400);
    CHECK(parse("GET / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n", &r) == 400);
    CHECK(parse("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", &r) == 501);

    memset(big, 'a', sizeof(big) - 1);
    memcpy(big, "GET /", 5);
    CHECK(fp_http_parse(big, sizeof(big) - 1, &r) == 431); /* no end of line in sight */
    snprintf(big, sizeof(big), "GET /%01500d HTTP/1.1\r\n\r\n", 0);
    CHECK(parse(big, &r) == 414);
    snprintf(big, sizeof(big), "GET /?%01500d HTTP/1.1\r\n\r\n", 0);
    CHECK(parse(big, &r) == 414);
    snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nAuthorization: %0600d\r\n\r\n", 0);
    CHECK(parse(big, &r) == 431);
}

static void test_query(void)
{
    char v[16];

    CHECK(fp_http_query_get("seconds=5&debug=1", "debug", v, sizeof(v)) == 0 && strcmp(v, "1") == 0);
    CHECK(fp_http_query_get("seconds=5&debug=1", "seconds", v, sizeof(v)) == 0 && strcmp(v, "5") == 0);
    CHECK(fp_http_query_get("xseconds=5", "seconds", v, sizeof(v)) == -1);
    CHECK(fp_http_query_get("gc", "gc", v, sizeof(v)) == 0 && v[0] == '\0');
    CHECK(fp_http_query_get("a=b+c%2B", "a", v, sizeof(v)) == 0 && strcmp(v, "b c+") == 0);
    CHECK(fp_http_query_get("a=%4", "a", v, sizeof(v)) == -1);
    CHECK(fp_http_query_get("a=0123456789abcdefXYZ", "a", v, sizeof(v)) == -1);
    CHECK(fp_http_query_get("", "a", v, sizeof(v)) == -1);
}

static void replay_corpus(void)
{
    char dir[4096], path[8192];
    const char *root = getenv("FP_ROOT");
    int n = 0;

    snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus-http", root ? root : ".");
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        CHECK(f != NULL);
        static uint8_t buf[1 << 20];
        size_t len = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, len);
        n++;
    }
    closedir(d);
    CHECK(n >= 20);
    printf("corpus: %d inputs\n", n);
}

/* The endpoint's parameter readers: Go's ParseInt, decimal seconds and the
 * symbol list. */
static void test_params(void)
{
    long long v;
    uint64_t a[4];

    CHECK(fp_http_query_int("seconds=5&debug=1", "debug", &v) && v == 1);
    CHECK(fp_http_query_int("seconds=-3", "seconds", &v) && v == -3);
    CHECK(!fp_http_query_int("seconds=5s", "seconds", &v));
    CHECK(!fp_http_query_int("seconds=+", "seconds", &v));
    CHECK(!fp_http_query_int("seconds=%205", "seconds", &v));
    CHECK(!fp_http_query_int("seconds=99999999999999999999", "seconds", &v));
    CHECK(!fp_http_query_int("seconds=", "seconds", &v) && !fp_http_query_int("", "seconds", &v));
    int64_t ns;
    CHECK(fp_http_query_seconds("seconds=2", "seconds", &ns) && ns == 2000000000);
    CHECK(fp_http_query_seconds("seconds=0.25", "seconds", &ns) && ns == 250000000);
    CHECK(fp_http_query_seconds("seconds=.5", "seconds", &ns) && ns == 500000000);
    CHECK(fp_http_query_seconds("seconds=1.", "seconds", &ns) && ns == 1000000000);
    CHECK(fp_http_query_seconds("seconds=-1.5", "seconds", &ns) && ns == -1500000000);
    CHECK(fp_http_query_seconds("seconds=0.0000000019", "seconds", &ns) && ns == 1);
    CHECK(fp_http_query_seconds("seconds=99999999999999999999", "seconds", &ns) && ns > 3600e9);
    CHECK(!fp_http_query_seconds("seconds=.", "seconds", &ns));
    CHECK(!fp_http_query_seconds("seconds=1e3", "seconds", &ns));
    CHECK(!fp_http_query_seconds("seconds=0x10", "seconds", &ns));
    CHECK(!fp_http_query_seconds("seconds=1.2.3", "seconds", &ns));
    CHECK(!fp_http_query_seconds("seconds=", "seconds", &ns) && !fp_http_query_seconds("", "seconds", &ns));
    const char *list = "0x10+junk+0+-5+ 7+020+42++0xffffffffffffffffff+0x20";
    size_t n = fp_http_parse_addresses(list, strlen(list), a, 4);
    CHECK(n == 4 && a[0] == 0x10 && a[1] == 020 && a[2] == 42 && a[3] == 0x20);
    CHECK(fp_http_parse_addresses(list, strlen(list), a, 2) == 2);
    CHECK(fp_http_parse_addresses("+", 1, a, 4) == 0 && fp_http_parse_addresses("", 0, a, 4) == 0);
}

int main(void)
{
    test_good();
    test_params();
    test_incomplete_and_bad();
    test_query();
    replay_corpus();
    printf("ok\n");
    return 0;
}
