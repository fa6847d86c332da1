// links: tools/json_out.c
/* The JSON writer used by `flightprof convert -f chrome`: escaping, UTF-8
 * repair, separators, exact microsecond formatting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/json_out.h"

static int failures;

static void expect(const char *what, const char *got, const char *want)
{
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "FAIL %s:\n  got  %s\n  want %s\n", what, got, want);
        failures++;
    }
}

/* Runs `write` on a fresh writer and returns what it produced (malloc'd),
 * without the final newline; *rc gets json_finish's result. */
static char *render(void (*write)(struct json_out *), int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct json_out j;
    json_init(&j, f);
    write(&j);
    *rc = json_finish(&j);
    fclose(f);
    if (len > 0 && buf[len - 1] == '\n')
        buf[len - 1] = '\0';
    return buf;
}

static void check(const char *what, void (*write)(struct json_out *), const char *want, int want_rc)
{
    int rc;
    char *got = render(write, &rc);
    expect(what, got, want);
    if (rc != want_rc) {
        fprintf(stderr, "FAIL %s: json_finish returned %d, want %d\n", what, rc, want_rc);
        failures++;
    }
    free(got);
}

static void w_escapes(struct json_out *j)
{
    json_string(j, "q\" b\\ \n\t\r\b\f \x01\x1f\x7f / é");
}

static void w_invalid_utf8(struct json_out *j)
{
    /* stray continuation, truncated 2-byte, overlong '/', surrogate,
     * > U+10FFFF, valid 4-byte, lone lead byte at the end */
    json_string(j, "a\x80" "b\xc3" "c\xc0\xaf" "d\xed\xa0\x80" "e\xf4\x90\x80\x80" "f\xf0\x9f\x98\x80" "\xe2");
}

static void w_embedded_nul(struct json_out *j)
{
    json_string_n(j, "a\0b", 3);
}

static void w_nesting(struct json_out *j)
{
    json_begin_object(j);
    json_key(j, "traceEvents");
    json_begin_array(j);
    json_begin_object(j);
    json_kv_string(j, "ph", "X");
    json_kv_int(j, "pid", -1);
    json_kv_micros(j, "ts", 1234567);
    json_key(j, "args");
    json_begin_object(j);
    json_end_object(j);
    json_end_object(j);
    json_int(j, 2);
    json_uint(j, 18446744073709551615u);
    json_bool(j, true);
    json_string(j, NULL);
    json_end_array(j);
    json_end_object(j);
}

static void w_micros(struct json_out *j)
{
    json_begin_array(j);
    json_micros(j, 0);
    json_micros(j, 999);
    json_micros(j, 1000);
    json_micros(j, 86400123456789);
    json_micros(j, -1500);
    json_micros(j, INT64_MIN);
    json_end_array(j);
}

static void w_doubles(struct json_out *j)
{
    json_begin_array(j);
    json_double(j, 0.1);
    json_double(j, 1e300 * 1e300);
    json_end_array(j);
}

static void w_unclosed(struct json_out *j)
{
    json_begin_array(j);
}

static void w_dangling_key(struct json_out *j)
{
    json_begin_object(j);
    json_key(j, "k");
    json_end_object(j);
}

int main(void)
{
    check("escapes", w_escapes, "\"q\\\" b\\\\ \\n\\t\\r\\b\\f \\u0001\\u001f\\u007f / é\"", 0);
    check("invalid utf-8", w_invalid_utf8,
          "\"a\\ufffdb\\ufffdc\\ufffd\\ufffdd\\ufffd\\ufffd\\ufffde\\ufffd\\ufffd\\ufffd\\ufffd"
          "f\xf0\x9f\x98\x80\\ufffd\"",
          0);
    check("embedded nul", w_embedded_nul, "\"a\\u0000b\"", 0);
    check("nesting", w_nesting,
          "{\"traceEvents\":[{\"ph\":\"X\",\"pid\":-1,\"ts\":1234.567,\"args\":{}},2,"
          "18446744073709551615,true,\"\"]}",
          0);
    check("micros", w_micros,
          "[0.000,0.999,1.000,86400123456.789,-1.500,-9223372036854775.808]", 0);
    check("doubles", w_doubles, "[0.10000000000000001,null]", 0);
    check("unclosed", w_unclosed, "[", -1);
    check("dangling key", w_dangling_key, "{\"k\":}", -1);
    return failures ? 1 : 0;
}
