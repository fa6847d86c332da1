/*
 * libFuzzer target for the endpoint's request parser (src/http/
 * http_parse.c): any bytes, parsed as a request and, when they parse, their
 * query searched for the keys the endpoint reads; and the same bytes read
 * as a symbol request's address list. Crashes, sanitizer
 * reports, reads past the input and results that break the parser's
 * promises (a head longer than the input, unterminated fields) are bugs.
 * tests/unit/test_http_parse.c replays tests/fuzz/corpus-http/ through the
 * same function in make check.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly `size` bytes, so that ASan sees any read past it. */
    char *buf = malloc(size ? size : 1);
    struct fp_http_request req;
    char value[64];
    uint64_t addrs[16];
    long long v;
    int64_t ns;

    if (!buf)
        return 0;
    memcpy(buf, data, size);
    int rc = fp_http_parse(buf, size, &req);
    if (rc == 0) {
        if (req.head_len == 0 || req.head_len > size ||
            !memchr(req.method, '\0', sizeof(req.method)) ||
            !memchr(req.path, '\0', sizeof(req.path)) || req.path[0] != '/' ||
            !memchr(req.query, '\0', sizeof(req.query)) ||
            !memchr(req.authorization, '\0', sizeof(req.authorization)))
            abort();
        static const char *const keys[] = {"seconds", "debug", "gc", ""};
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
            if ((fp_http_query_get(req.query, keys[i], value, sizeof(value)) == 0 &&
                 !memchr(value, '\0', sizeof(value))) ||
                ((fp_http_query_int(req.query, keys[i], &v) ||
                  fp_http_query_seconds(req.query, keys[i], &ns)) &&
                 fp_http_query_get(req.query, keys[i], value, sizeof(value)) != 0))
                abort();
    } else if (rc != -1 && (rc < 400 || rc > 505)) {
        abort();
    }
    for (size_t max = 0; max <= 16; max += 8) {
        size_t n = fp_http_parse_addresses(buf, size, addrs, max);
        if (n > max)
            abort();
        for (size_t i = 0; i < n; i++)
            if (!addrs[i])
                abort();
    }
    free(buf);
    return 0;
}
