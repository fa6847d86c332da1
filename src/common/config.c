/*
 * Reads FLIGHTPROF_* environment variables into struct fp_config. Runs once
 * at load (and from the API), never in a signal handler.
 *
 * Signal context: none.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "outfile.h"

struct unit {
    const char *suffix;
    uint64_t scale;
};

static int parse_scaled(const char *s, const struct unit *units, uint64_t *out)
{
    char *end;

    if (!s || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s)
        return -1;
    while (*end == ' ')
        end++;
    for (const struct unit *u = units; u->suffix; u++) {
        if (strcasecmp(end, u->suffix) != 0)
            continue;
        double scaled = v * (double)u->scale;
        if (scaled >= 18446744073709551615.0)
            return -1;
        *out = (uint64_t)scaled;
        return 0;
    }
    return -1;
}

/* "8388608", "64MiB", "64M", "512KiB", "1GB" (GB = 10^9, GiB = 2^30). */
static int parse_size(const char *s, uint64_t *out)
{
    static const struct unit units[] = {
        {"", 1}, {"b", 1},
        {"k", 1ull << 10}, {"kib", 1ull << 10}, {"kb", 1000ull},
        {"m", 1ull << 20}, {"mib", 1ull << 20}, {"mb", 1000000ull},
        {"g", 1ull << 30}, {"gib", 1ull << 30}, {"gb", 1000000000ull},
        {NULL, 0},
    };
    return parse_scaled(s, units, out);
}

/* "10s", "500ms", "250us", "100ns", "2m", "1h"; a bare number is seconds. */
static int parse_duration(const char *s, uint64_t *out_ns)
{
    static const struct unit units[] = {
        {"", 1000000000ull}, {"s", 1000000000ull},
        {"ns", 1}, {"us", 1000ull}, {"ms", 1000000ull},
        {"m", 60000000000ull}, {"min", 60000000000ull}, {"h", 3600000000000ull},
        {NULL, 0},
    };
    return parse_scaled(s, units, out_ns);
}

/* A positive duration whose bare number is nanoseconds, as Go's
 * SetBlockProfileRate takes it. */
static int parse_block_rate(const char *s, uint64_t *out_ns)
{
    static const struct unit units[] = {
        {"", 1}, {"ns", 1}, {"us", 1000ull}, {"ms", 1000000ull}, {"s", 1000000000ull}, {NULL, 0},
    };
    return parse_scaled(s, units, out_ns) == 0 && *out_ns > 0 ? 0 : -1;
}

int fp_config_parse_int(const char *s, long min, long max, long *out)
{
    char *end;

    if (!s || !*s)
        return -1;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int fp_config_parse_signal(const char *s, int *out)
{
    long num;

    if (!s)
        return -1;
    if (strcasecmp(s, "none") == 0) {
        *out = 0;
        return 0;
    }
    if (fp_config_parse_int(s, 1, SIGRTMAX, &num) == 0) {
        *out = (int)num;
        return 0;
    }
    if (strncasecmp(s, "SIG", 3) == 0)
        s += 3;
    for (int sig = 1; sig < NSIG; sig++) {
        const char *abbrev = sigabbrev_np(sig);
        if (abbrev && strcasecmp(abbrev, s) == 0) {
            *out = sig;
            return 0;
        }
    }
    return -1;
}

/* "crash,error,exit" in any order and combination. */
static int parse_snapshot_on(const char *s, unsigned *out)
{
    static const struct {
        const char *name;
        unsigned bit;
    } triggers[] = {
        {"crash", FP_SNAPSHOT_ON_CRASH},
        {"error", FP_SNAPSHOT_ON_ERROR},
        {"exit", FP_SNAPSHOT_ON_EXIT},
    };
    unsigned bits = 0;

    if (!s)
        return -1;
    while (*s) {
        size_t len = strcspn(s, ",");
        size_t i;
        for (i = 0; i < sizeof(triggers) / sizeof(triggers[0]); i++)
            if (strlen(triggers[i].name) == len && strncasecmp(s, triggers[i].name, len) == 0)
                break;
        if (i == sizeof(triggers) / sizeof(triggers[0]))
            return -1;
        bits |= triggers[i].bit;
        s += len;
        s += *s == ',';
    }
    *out = bits;
    return 0;
}

/* Each loader reads one variable, logs a bad value and leaves the default. */

static void load_int(const char *name, long min, long max, int *field)
{
    const char *s = getenv(name);
    long v;

    if (!s)
        return;
    if (fp_config_parse_int(s, min, max, &v) == 0)
        *field = (int)v;
    else
        fp_log("%s=%s is not a whole number in %ld..%ld; using %d", name, s, min, max, *field);
}

static void load_u64(const char *name, int (*parse)(const char *, uint64_t *), const char *what,
                     uint64_t *field)
{
    const char *s = getenv(name);

    if (s && parse(s, field) != 0)
        fp_log("%s=%s is not %s; using the default", name, s, what);
}

static int parse_positive_count(const char *s, uint64_t *out)
{
    long v;

    if (fp_config_parse_int(s, 1, LONG_MAX, &v) != 0)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

static void load_signal(const char *name, int *field)
{
    const char *s = getenv(name);

    if (s && fp_config_parse_signal(s, field) != 0)
        fp_log("%s=%s is not a signal name or number (or \"none\"); using the default", name, s);
}

/* Output paths are checked now so that a typo is reported at start-up,
 * not after an hour of profiling. */
static void load_path(const char *name, char *field)
{
    const char *s = getenv(name);

    if (!s || !*s)
        return;
    if (strlen(s) >= PATH_MAX) {
        fp_log("%s is longer than PATH_MAX; %s is off", name, name);
        return;
    }
    if (fp_outfile_check_pattern(name, s) == 0)
        strcpy(field, s);
}

static void load_unwind(struct fp_config *cfg)
{
    const char *s = getenv("FLIGHTPROF_UNWIND");

    if (!s)
        return;
    if (strcmp(s, "libunwind") == 0)
        cfg->unwind = FP_UNWIND_LIBUNWIND;
    else if (strcmp(s, "fp") == 0)
        cfg->unwind = FP_UNWIND_FRAME_POINTERS;
    else
        fp_log("FLIGHTPROF_UNWIND=%s is not \"libunwind\" or \"fp\"; using libunwind", s);
}

static void load_snapshot_on(struct fp_config *cfg)
{
    const char *s = getenv("FLIGHTPROF_SNAPSHOT_ON");

    if (s && parse_snapshot_on(s, &cfg->snapshot_on) != 0)
        fp_log("FLIGHTPROF_SNAPSHOT_ON=%s is not a comma list of crash, error, exit; using crash", s);
}

/* First of all, so that the lines about the other variables go to the
 * log file too. An absolute path only: the program may chdir, and lines
 * written from different directories would scatter. */
static void load_log(void)
{
    const char *s = getenv("FLIGHTPROF_LOG");
    const char *file = NULL;

    if (s && *s) {
        if (s[0] != '/' || strlen(s) >= PATH_MAX)
            fp_log("FLIGHTPROF_LOG=%s is not an absolute path; not logging to a file", s);
        else if (fp_outfile_check_pattern("FLIGHTPROF_LOG", s) == 0)
            file = s;
    }
    fp_log_configure(file);
}

/* $VAR/suffix into dir if VAR is an absolute path that fits. */
static bool dir_under(const char *var, const char *suffix, char dir[PATH_MAX])
{
    const char *base = getenv(var);

    return base && base[0] == '/' &&
           snprintf(dir, PATH_MAX, "%s/%s", base, suffix) < PATH_MAX;
}

void fp_config_load_symcache(char dir[PATH_MAX])
{
    const char *s = getenv("FLIGHTPROF_SYMCACHE");

    dir[0] = '\0';
    if (s && strcmp(s, "off") == 0)
        return;
    if (s && s[0] == '/' && strlen(s) < PATH_MAX) {
        strcpy(dir, s);
        return;
    }
    if (s)
        fp_log("FLIGHTPROF_SYMCACHE=%s is not \"off\" or an absolute directory; using the default", s);
    if (!dir_under("XDG_CACHE_HOME", "flightprof", dir) && !dir_under("HOME", ".cache/flightprof", dir))
        dir[0] = '\0';
}

/* A token too long to keep turns the endpoint off rather than leave it
 * open. */
static void load_http(struct fp_config *cfg)
{
    const char *addr = getenv("FLIGHTPROF_HTTP"), *token = getenv("FLIGHTPROF_HTTP_TOKEN");

    if (!addr || !*addr)
        return;
    if (strlen(addr) >= sizeof(cfg->http_addr)) {
        fp_log("FLIGHTPROF_HTTP is too long; the endpoint is off");
        return;
    }
    if (token && strlen(token) >= sizeof(cfg->http_token)) {
        fp_log("FLIGHTPROF_HTTP_TOKEN is longer than %zu bytes; the endpoint is off",
               sizeof(cfg->http_token) - 1);
        return;
    }
    strcpy(cfg->http_addr, addr);
    if (token)
        strcpy(cfg->http_token, token);
}

bool fp_config_any_output(const struct fp_config *cfg)
{
    return cfg->cpu_path[0] || cfg->snapshot_path[0] || cfg->heap_on || cfg->mutex_on ||
           cfg->block_on || cfg->threadcreate_on || cfg->http_addr[0];
}

void fp_config_endpoint_off(struct fp_config *cfg)
{
    cfg->http_addr[0] = '\0';
    cfg->heap_on = cfg->heap_on && cfg->heap_path[0];
    cfg->mutex_on = cfg->mutex_on && cfg->mutex_path[0];
    cfg->block_on = cfg->block_on && cfg->block_path[0];
    cfg->threadcreate_on = cfg->threadcreate_on && cfg->threadcreate_path[0];
}

/* At least a second: each period writes every profile, symbolized. */
static void load_period(struct fp_config *cfg)
{
    load_u64("FLIGHTPROF_PERIOD", parse_duration, "a duration like 60s", &cfg->period_ns);
    if (cfg->period_ns && cfg->period_ns < 1000000000ull) {
        fp_log("FLIGHTPROF_PERIOD=%s is under a second; profiles are written once, at exit",
               getenv("FLIGHTPROF_PERIOD"));
        cfg->period_ns = 0;
    }
}

/* A profile the endpoint serves: on with a file pattern, or with the
 * endpoint alone; "off" keeps it off either way. */
static bool load_profile(const char *name, const struct fp_config *cfg, char *path)
{
    const char *s = getenv(name);

    if (s && strcmp(s, "off") == 0)
        return false;
    load_path(name, path);
    return path[0] || cfg->http_addr[0];
}

void fp_config_load(struct fp_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->hz = FP_HZ_DEFAULT;
    cfg->unwind = FP_UNWIND_LIBUNWIND;
    cfg->depth = FP_DEPTH_DEFAULT;
    cfg->recorder_size = 8ull << 20;
    cfg->recorder_age_ns = 10ull * 1000000000ull;
    cfg->snapshot_signal = SIGUSR2;
    cfg->snapshot_on = FP_SNAPSHOT_ON_CRASH;
    cfg->heap_rate = 524288;
    cfg->mutex_rate = 1;
    cfg->block_rate_ns = FP_BLOCK_RATE_DEFAULT;

    load_log();
    load_path("FLIGHTPROF_CPU", cfg->cpu_path);
    load_int("FLIGHTPROF_HZ", 1, FP_HZ_MAX, &cfg->hz);
    load_unwind(cfg);
    load_int("FLIGHTPROF_DEPTH", 1, FP_DEPTH_MAX, &cfg->depth);
    load_period(cfg);

    load_path("FLIGHTPROF_SNAPSHOT", cfg->snapshot_path);
    load_u64("FLIGHTPROF_RECORDER_SIZE", parse_size, "a size like 8MiB",
             &cfg->recorder_size);
    load_u64("FLIGHTPROF_RECORDER_AGE", parse_duration, "a duration like 10s",
             &cfg->recorder_age_ns);
    load_signal("FLIGHTPROF_SNAPSHOT_SIGNAL", &cfg->snapshot_signal);
    load_snapshot_on(cfg);
    load_int("FLIGHTPROF_RECORDER_HZ", 0, FP_HZ_MAX, &cfg->recorder_hz);

    load_http(cfg);
    cfg->heap_on = load_profile("FLIGHTPROF_HEAP", cfg, cfg->heap_path);
    load_u64("FLIGHTPROF_HEAP_RATE", parse_positive_count, "a positive whole number of bytes",
             &cfg->heap_rate);
    load_signal("FLIGHTPROF_HEAP_SIGNAL", &cfg->heap_signal);
    cfg->mutex_on = load_profile("FLIGHTPROF_MUTEX", cfg, cfg->mutex_path);
    load_u64("FLIGHTPROF_MUTEX_RATE", parse_positive_count, "a positive whole number",
             &cfg->mutex_rate);
    cfg->block_on = load_profile("FLIGHTPROF_BLOCK", cfg, cfg->block_path);
    load_u64("FLIGHTPROF_BLOCK_RATE", parse_block_rate, "a positive number of nanoseconds (or 1ms)",
             &cfg->block_rate_ns);
    cfg->threadcreate_on = load_profile("FLIGHTPROF_THREADCREATE", cfg, cfg->threadcreate_path);
    fp_config_load_symcache(cfg->symcache_dir);
}
