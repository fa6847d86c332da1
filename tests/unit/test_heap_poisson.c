// links: src/profile/poisson.c
/* The sampling arithmetic: logarithm and exponential against libm, the
 * exponential intervals' mean and spread, and Go's unsampling factor. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "poisson.h"

static int failures;

static void check(int ok, const char *what, double got, double want)
{
    if (!ok) {
        fprintf(stderr, "FAIL %s: got %.17g, want %.17g\n", what, got, want);
        failures++;
    }
}

static void test_log_and_exp(void)
{
    static const double xs[] = {1e-300, 1e-17, 1e-9, 0.001, 0.1, 0.5, 0.7071, 0.99999, 1,
                                1.5, 2, 10, 12345.678, 1e30};
    for (size_t i = 0; i < sizeof(xs) / sizeof(xs[0]); i++) {
        double want = log(xs[i]), got = fp_poisson_log(xs[i]);
        check(fabs(got - want) <= 1e-12 * fmax(1, fabs(want)), "log", got, want);
    }
    static const double ys[] = {0, 1e-12, 3e-5, 0.01, 0.49, 0.5, 1, 3.3, 20, 700, 800};
    for (size_t i = 0; i < sizeof(ys) / sizeof(ys[0]); i++) {
        double want = -expm1(-ys[i]), got = fp_poisson_one_minus_exp_neg(ys[i]);
        check(fabs(got - want) <= 1e-13 * want || got == want, "1-exp(-x)", got, want);
    }
}

/* Exponential intervals: mean within 1% over 10^6 draws, and the share
 * above the mean close to exp(-1). */
static void test_intervals(void)
{
    uint64_t state = fp_poisson_seed();
    const uint64_t mean = 524288;
    const int n = 1000000;
    double sum = 0;
    int above = 0;

    for (int i = 0; i < n; i++) {
        int64_t v = fp_poisson_interval(&state, mean);
        if (v < 0) {
            check(0, "interval >= 0", (double)v, 0);
            return;
        }
        sum += (double)v;
        above += v > (int64_t)mean;
    }
    check(fabs(sum / n / mean - 1) < 0.01, "interval mean / rate", sum / n / mean, 1);
    check(fabs((double)above / n - exp(-1)) < 0.005, "share above the mean", (double)above / n,
          exp(-1));
    check(fp_poisson_interval(&state, 1) == 0, "rate 1 samples everything", 1, 0);
}

static void test_scale(void)
{
    check(fp_poisson_scale(1024, 1) == 1, "scale at rate 1", fp_poisson_scale(1024, 1), 1);
    double want = 1 / (1 - exp(-1024.0 / 524288));
    double got = fp_poisson_scale(1024, 524288);
    check(fabs(got / want - 1) < 1e-12, "scale 1 KiB", got, want);
    got = fp_poisson_scale(64 << 20, 524288);
    check(fabs(got - 1) < 1e-12, "scale of a huge block", got, 1);
}

/* Seeds differ between calls (threads started together must not share
 * a stream). */
static void test_seed(void)
{
    uint64_t a = fp_poisson_seed(), b = fp_poisson_seed();
    check(a != b && a && b, "two seeds differ", (double)a, (double)b);
}

int main(void)
{
    test_log_and_exp();
    test_intervals();
    test_scale();
    test_seed();
    if (failures)
        return 1;
    printf("ok\n");
    return 0;
}
