/*
 * Path patterns: the one reading of their syntax (expand), the naming
 * rule of a profiled tree, and the inverse the CLI finds files with.
 * Owns no state.
 *
 * Signal context: every function.
 */
#include "pattern.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

int fp_pattern_append(char *out, size_t outlen, size_t *len, const char *s)
{
    size_t n = strlen(s);

    if (*len + n >= outlen) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(out + *len, s, n);
    *len += n;
    out[*len] = '\0';
    return 0;
}

/* Appends `s`, escaped for glob(3) if `glob`. */
static int append_literal(char *out, size_t outlen, size_t *len, const char *s, bool glob)
{
    for (; *s; s++) {
        char piece[3] = {'\\', *s, '\0'};
        bool meta = glob && strchr("*?[\\", *s);

        if (fp_pattern_append(out, outlen, len, piece + !meta) != 0)
            return -1;
    }
    return 0;
}

/* The one reading of the pattern syntax: expands it into a name, or, with
 * `glob`, into a glob(3) pattern where %t and %n match any number. */
static int expand(const char *pattern, pid_t pid, uint64_t unix_time, uint64_t seq, bool glob,
                  char *out, size_t outlen)
{
    size_t len = 0;
    char num[21];

    if (outlen == 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    out[0] = '\0';
    for (const char *p = pattern; *p; p++) {
        char piece[3] = {*p, '\0', '\0'};
        const char *s = piece;
        int rc;

        if (*p == '%' && p[1]) {
            switch (*++p) {
            case 'p': s = fp_pattern_u64((uint64_t)pid, num); break;
            case 't': s = glob ? NULL : fp_pattern_u64(unix_time, num); break;
            case 'n': s = glob ? NULL : fp_pattern_u64(seq, num); break;
            case '%': s = "%"; break;
            default: piece[1] = *p; break; /* unknown: kept as written */
            }
        }
        if (s)
            rc = append_literal(out, outlen, &len, s, glob);
        else
            rc = fp_pattern_append(out, outlen, &len, "*");
        if (rc != 0)
            return -1;
    }
    return 0;
}

int fp_pattern_expand(const char *pattern, pid_t pid, uint64_t unix_time, uint64_t seq,
                      char *out, size_t outlen)
{
    return expand(pattern, pid, unix_time, seq, false, out, outlen);
}

void fp_pattern_own(const char *pattern, bool descendant, char *out, size_t outlen)
{
    size_t len = 0;

    out[0] = '\0';
    if (fp_pattern_append(out, outlen, &len, pattern) != 0)
        return;
    if (descendant && !strstr(pattern, "%p"))
        fp_pattern_append(out, outlen, &len, ".%p"); /* too long: left as given */
}

int fp_pattern_glob(const char *pattern, pid_t pid, bool descendant, char *out, size_t outlen)
{
    char own[PATH_MAX];

    fp_pattern_own(pattern, descendant, own, sizeof(own));
    return expand(own, pid, 0, 0, true, out, outlen);
}

char *fp_pattern_u64(uint64_t v, char *buf)
{
    char tmp[21];
    size_t n = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return buf;
}
