/*
 * Poisson sampling arithmetic: the random generator (xorshift64*), the
 * exponential intervals and Go's unsampling factor, with the logarithm and
 * exponential computed here because the library does not link libm.
 *
 * Signal context: none.
 */
#include "poisson.h"

#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LN2 0.69314718055994530942

uint64_t fp_poisson_seed(void)
{
    struct timespec ts;
    uint64_t local;
    uint64_t z;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    /* splitmix64 of time, tid and a stack address: threads started in the
     * same nanosecond still get different streams. */
    z = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)gettid() << 40) ^
        (uint64_t)(uintptr_t)&local;
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return z ? z : 1;
}

uint64_t fp_poisson_next(uint64_t *state)
{
    uint64_t x = *state;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dull;
}

/* ln(x) = e*ln2 + ln(m) with x = m * 2^e, m in [sqrt(1/2), sqrt(2)), and
 * ln(m) = 2 atanh((m-1)/(m+1)) by its series (|z| < 0.172: 7 terms give
 * full double precision). */
double fp_poisson_log(double x)
{
    uint64_t bits;
    double m, z, z2, sum, term;
    int e;

    memcpy(&bits, &x, sizeof(bits));
    e = (int)((bits >> 52) & 0x7ff) - 1023;
    bits = (bits & ~(0x7ffull << 52)) | (1023ull << 52);
    memcpy(&m, &bits, sizeof(m));
    if (m > 1.4142135623730951) {
        m /= 2;
        e++;
    }
    z = (m - 1) / (m + 1);
    z2 = z * z;
    sum = 0;
    term = z;
    for (int k = 1; k <= 15; k += 2) {
        sum += term / k;
        term *= z2;
    }
    return e * LN2 + 2 * sum;
}

/* exp(y) for y <= 0: y = k*ln2 + r with |r| <= ln2/2, exp(r) by Taylor. */
static double exp_nonpositive(double y)
{
    double k = (double)(int64_t)(y / LN2 - 0.5);
    double r = y - k * LN2, term = 1, sum = 1;
    uint64_t bits;
    double scale;

    if (k < -1020)
        return 0;
    for (int n = 1; n <= 14; n++) {
        term *= r / n;
        sum += term;
    }
    bits = (uint64_t)((int64_t)k + 1023) << 52;
    memcpy(&scale, &bits, sizeof(scale));
    return sum * scale;
}

/* 1 - exp(-x) for x >= 0, by its series where the subtraction would cancel. */
double fp_poisson_one_minus_exp_neg(double x)
{
    if (x >= 0.5)
        return 1 - exp_nonpositive(-x);
    double term = x, sum = x;
    for (int n = 2; n <= 16; n++) {
        term *= -x / n;
        sum += term;
    }
    return sum;
}

int64_t fp_poisson_interval(uint64_t *state, uint64_t mean)
{
    if (mean <= 1)
        return 0;
    /* u uniform in (0, 1], so the logarithm is finite. */
    double u = (double)((fp_poisson_next(state) >> 11) + 1) * 0x1p-53;
    double interval = -fp_poisson_log(u) * (double)mean;
    return interval < 0x1p62 ? (int64_t)interval : INT64_MAX / 2;
}

double fp_poisson_scale(double avg_size, uint64_t rate)
{
    if (rate <= 1 || avg_size <= 0)
        return 1;
    return 1 / fp_poisson_one_minus_exp_neg(avg_size / (double)rate);
}
