/*
 * A small streaming JSON writer for the CLI's converters (Chrome Trace
 * Event output): commas and nesting are tracked for the caller, strings
 * are escaped so that any bytes, even invalid UTF-8, become valid JSON.
 * Signal context: none.
 */
#ifndef FLIGHTPROF_JSON_OUT_H
#define FLIGHTPROF_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json_out {
    FILE *f;
    int depth;
    bool has_items[JSON_MAX_DEPTH]; /* a value was written at this level */
    bool after_key;                 /* the next value completes a "key": pair */
    bool failed;                    /* nesting misuse or a write error */
};

void json_init(struct json_out *j, FILE *f);

void json_begin_object(struct json_out *j);
void json_end_object(struct json_out *j);
void json_begin_array(struct json_out *j);
void json_end_array(struct json_out *j);

/* Writes an object key; the next call writes its value. */
void json_key(struct json_out *j, const char *key);

/* String values: bytes that are not valid UTF-8 become U+FFFD, control
 * characters are escaped. json_string(NULL) writes "". */
void json_string(struct json_out *j, const char *s);
void json_string_n(struct json_out *j, const char *s, size_t len);

void json_int(struct json_out *j, int64_t v);
void json_uint(struct json_out *j, uint64_t v);
/* Non-finite doubles (not representable in JSON) are written as null. */
void json_double(struct json_out *j, double v);
void json_bool(struct json_out *j, bool v);

/*
 * A duration or timestamp in microseconds with nanosecond precision:
 * `ns` / 1000 written exactly with three decimals ("12.345"). Integer
 * formatting, so no precision is lost however long the window.
 */
void json_micros(struct json_out *j, int64_t ns);

/* Convenience pairs: key then value. */
void json_kv_string(struct json_out *j, const char *key, const char *s);
void json_kv_int(struct json_out *j, const char *key, int64_t v);
void json_kv_micros(struct json_out *j, const char *key, int64_t ns);

/* Ends the output with a newline and flushes; returns 0, or -1 when the
 * document is incomplete or a write failed. */
int json_finish(struct json_out *j);

#endif
