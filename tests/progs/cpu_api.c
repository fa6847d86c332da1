/* Uses the CPU profiler through its API, linked rather than preloaded.
 * Usage: cpu_api OUTPUT
 * Checks the API's error cases itself and exits non-zero on a mismatch. */
// build: -lflightprof
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../include/flightprof.h"
#include "burn.h"

static int failures;

static void expect(int rc, int want_errno, const char *what)
{
    if (want_errno == 0 ? rc != 0 : rc != -1 || errno != want_errno) {
        fprintf(stderr, "%s: rc %d errno %s, expected %s\n", what, rc, strerror(errno),
                want_errno ? strerror(want_errno) : "success");
        failures++;
    }
}

__attribute__((noinline)) void api_phase_one(void)
{
    double until = process_cpu_seconds() + 0.5;
    while (process_cpu_seconds() < until)
        burn_units(1);
}

__attribute__((noinline)) void api_phase_two(void)
{
    double until = process_cpu_seconds() + 0.5;
    while (process_cpu_seconds() < until)
        burn_units(1);
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    expect(flightprof_cpu_flush(), ESRCH, "flush before start");
    expect(flightprof_cpu_stop(), ESRCH, "stop before start");
    expect(flightprof_cpu_start(NULL, 100), EINVAL, "start(NULL)");
    expect(flightprof_cpu_start(argv[1], 5000), EINVAL, "start(hz=5000)");
    expect(flightprof_cpu_start("/nonexistent-dir/x.pb.gz", 100), ENOENT, "start(bad dir)");
    expect(flightprof_cpu_start(argv[1], 200), 0, "start");
    expect(flightprof_cpu_start(argv[1], 200), EALREADY, "second start");
    api_phase_one();
    expect(flightprof_cpu_flush(), 0, "flush");
    api_phase_two();
    expect(flightprof_cpu_stop(), 0, "stop");
    expect(flightprof_cpu_stop(), ESRCH, "second stop");
    return failures ? 1 : 0;
}
