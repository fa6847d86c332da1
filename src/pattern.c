/*
 * Path patterns. Owns no state.
 *
 * Signal context: every function.
 */
#include "pattern.h"

#include <errno.h>
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

int fp_pattern_expand(const char *pattern, pid_t pid, uint64_t unix_time, uint64_t seq,
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
        char piece[2] = {*p, '\0'};
        const char *s = piece;
        if (*p == '%' && p[1]) {
            switch (*++p) {
            case 'p': s = fp_pattern_u64((uint64_t)pid, num); break;
            case 't': s = fp_pattern_u64(unix_time, num); break;
            case 'n': s = fp_pattern_u64(seq, num); break;
            case '%': s = "%"; break;
            default: piece[1] = *p; break; /* unknown: kept as written */
            }
        }
        if (fp_pattern_append(out, outlen, &len, s) != 0)
            return -1;
    }
    return 0;
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
