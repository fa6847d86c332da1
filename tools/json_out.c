/*
 * Streaming JSON writer: separators and nesting, string escaping with
 * UTF-8 validation, exact microsecond formatting of nanosecond times.
 * Signal context: none.
 */
#include "json_out.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

void json_init(struct json_out *j, FILE *f)
{
    memset(j, 0, sizeof(*j));
    j->f = f;
}

/* Writes the separator a new value needs at the current position. */
static void begin_value(struct json_out *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->has_items[j->depth])
        fputc(',', j->f);
    j->has_items[j->depth] = true;
}

static void open_container(struct json_out *j, char c)
{
    begin_value(j);
    fputc(c, j->f);
    if (j->depth + 1 >= JSON_MAX_DEPTH) {
        j->failed = true;
        return;
    }
    j->depth++;
    j->has_items[j->depth] = false;
}

static void close_container(struct json_out *j, char c)
{
    if (j->depth == 0 || j->after_key)
        j->failed = true;
    else
        j->depth--;
    fputc(c, j->f);
}

void json_begin_object(struct json_out *j) { open_container(j, '{'); }
void json_end_object(struct json_out *j) { close_container(j, '}'); }
void json_begin_array(struct json_out *j) { open_container(j, '['); }
void json_end_array(struct json_out *j) { close_container(j, ']'); }

/*
 * Length of the valid UTF-8 sequence starting at s (at most `left` bytes),
 * or 0 when it is invalid: overlong forms, surrogates and code points past
 * U+10FFFF are rejected (RFC 3629 table).
 */
static size_t utf8_sequence_len(const unsigned char *s, size_t left)
{
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else
        return 0;
    if (left < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return len;
}

static void write_escaped_ascii(FILE *f, unsigned char c)
{
    switch (c) {
    case '"': fputs("\\\"", f); break;
    case '\\': fputs("\\\\", f); break;
    case '\b': fputs("\\b", f); break;
    case '\f': fputs("\\f", f); break;
    case '\n': fputs("\\n", f); break;
    case '\r': fputs("\\r", f); break;
    case '\t': fputs("\\t", f); break;
    default:
        if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
}

void json_string_n(struct json_out *j, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    begin_value(j);
    fputc('"', j->f);
    for (size_t i = 0; i < len;) {
        size_t n = utf8_sequence_len(p + i, len - i);
        if (n == 1)
            write_escaped_ascii(j->f, p[i]);
        else if (n > 1)
            fwrite(p + i, 1, n, j->f);
        else
            fputs("\\ufffd", j->f);
        i += n ? n : 1;
    }
    fputc('"', j->f);
}

void json_string(struct json_out *j, const char *s)
{
    json_string_n(j, s ? s : "", s ? strlen(s) : 0);
}

void json_key(struct json_out *j, const char *key)
{
    if (j->after_key)
        j->failed = true;
    json_string(j, key);
    fputc(':', j->f);
    j->after_key = true;
}

void json_int(struct json_out *j, int64_t v)
{
    begin_value(j);
    fprintf(j->f, "%" PRId64, v);
}

void json_uint(struct json_out *j, uint64_t v)
{
    begin_value(j);
    fprintf(j->f, "%" PRIu64, v);
}

void json_double(struct json_out *j, double v)
{
    begin_value(j);
    if (isfinite(v))
        fprintf(j->f, "%.17g", v);
    else
        fputs("null", j->f);
}

void json_bool(struct json_out *j, bool v)
{
    begin_value(j);
    fputs(v ? "true" : "false", j->f);
}

void json_micros(struct json_out *j, int64_t ns)
{
    /* Unsigned magnitude: INT64_MIN has no positive int64 counterpart. */
    uint64_t mag = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;
    begin_value(j);
    fprintf(j->f, "%s%" PRIu64 ".%03u", ns < 0 ? "-" : "", mag / 1000, (unsigned)(mag % 1000));
}

void json_kv_string(struct json_out *j, const char *key, const char *s)
{
    json_key(j, key);
    json_string(j, s);
}

void json_kv_int(struct json_out *j, const char *key, int64_t v)
{
    json_key(j, key);
    json_int(j, v);
}

void json_kv_micros(struct json_out *j, const char *key, int64_t ns)
{
    json_key(j, key);
    json_micros(j, ns);
}

int json_finish(struct json_out *j)
{
    fputc('\n', j->f);
    if (fflush(j->f) != 0 || ferror(j->f))
        j->failed = true;
    return j->failed || j->depth != 0 || j->after_key ? -1 : 0;
}
