/*
 * flightprof convert FILE -f chrome|pprof|allocs -o OUT [--hz N]
 *
 * Converts a flight-recorder snapshot: chrome (Chrome Trace Event JSON for
 * Perfetto / chrome://tracing), pprof (its CPU samples as a CPU profile,
 * at the sampling period the snapshot recorded unless --hz says otherwise)
 * or allocs (its allocations by caller). Symbolization is offline, from the
 * mappings the snapshot recorded. A bad snapshot gives one error line and
 * exit status 1; bad usage, status 2.
 * Signal context: none.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "config.h"
#include "convert.h"
#include "log.h"

#define USAGE "usage: flightprof convert FILE -f chrome|pprof|allocs -o OUT [--hz N]"

struct convert_args {
    const char *in, *format, *out;
    int hz; /* 0: the default */
};

static int parse_args(int argc, char **argv, struct convert_args *a)
{
    static const struct option options[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"hz", required_argument, NULL, 'z'},
        {NULL, 0, NULL, 0},
    };
    long hz;
    int opt;
    memset(a, 0, sizeof(*a));
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "f:o:", options, NULL)) != -1) {
        switch (opt) {
        case 'f': a->format = optarg; break;
        case 'o': a->out = optarg; break;
        case 'z':
            if (fp_config_parse_int(optarg, 1, FP_HZ_MAX, &hz) != 0) {
                fp_log("convert: --hz must be 1..%d, not \"%s\"", FP_HZ_MAX, optarg);
                return -1;
            }
            a->hz = (int)hz;
            break;
        default:
            fp_log("convert: unknown option \"%s\"; " USAGE, argv[optind - 1]);
            return -1;
        }
    }
    if (optind != argc - 1 || !a->format || !a->out) {
        fp_log(USAGE);
        return -1;
    }
    a->in = argv[optind];
    if (strcmp(a->format, "chrome") != 0 && strcmp(a->format, "pprof") != 0 &&
        strcmp(a->format, "allocs") != 0) {
        fp_log("convert: unknown format \"%s\" (chrome, pprof or allocs)", a->format);
        return -1;
    }
    return 0;
}

static int write_chrome(const struct convert_src *src, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fp_log("convert: cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    int rc = convert_chrome(src, f);
    if (fclose(f) != 0 && rc == 0) {
        fp_log("convert: cannot write %s: %s", path, strerror(errno));
        rc = -1;
    }
    if (rc != 0)
        unlink(path);
    return rc;
}

int cmd_convert(int argc, char **argv)
{
    struct convert_args a;
    struct convert_src src;
    char err[256];
    int rc = -1;

    if (parse_args(argc, argv, &a) != 0)
        return 2;
    struct fp_sread *snap = fp_sread_open(a.in, err, sizeof(err));
    if (!snap) {
        fp_log("%s: %s", a.in, err);
        return 1;
    }
    if (convert_src_init(&src, snap, true) != 0) {
        fp_log("convert: out of memory");
    } else {
        if (a.hz)
            src.cpu_period_ns = 1000000000 / a.hz;
        if (strcmp(a.format, "chrome") == 0)
            rc = write_chrome(&src, a.out);
        else if (strcmp(a.format, "pprof") == 0)
            rc = convert_cpu_profile(&src, a.out);
        else
            rc = convert_allocs_profile(&src, a.out);
    }
    convert_src_free(&src);
    fp_sread_close(snap);
    return rc == 0 ? 0 : 1;
}
