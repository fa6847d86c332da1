/*
 * flightprof record: runs a command with the library preloaded, waits for
 * it, summarises what was written on stderr, and exits as the command did
 * (same status, or the same signal). Owns the command's pid (child_pid),
 * set by fork() before any handler is installed and cleared once the
 * command is reaped, so that a late signal never reaches a reused pid.
 *
 * Signal context: forward_signal, the handler for SIGINT, SIGTERM, SIGHUP
 * and SIGQUIT from the moment the command is started. It only passes the
 * signal on with kill(), so that the command decides how to end and
 * flightprof is still there to summarise its profiles.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "config.h"
#include "outfile.h"
#include "pattern.h"
#include "pprof_read.h"

#define DEFAULT_OUTPUT "cpu.pb.gz"
#define TOP_N 5

struct record_opts {
    const char *cpu, *unwind, *heap, *heap_rate, *mutex, *block, *threadcreate, *snapshot;
    const char *hz;
    char **argv;
};

static volatile pid_t child_pid; /* 0 once reaped */

static int usage_error(const char *msg)
{
    fprintf(stderr, "flightprof: record: %s\n"
                    "usage: flightprof record [-o FILE] [--hz N] [--unwind libunwind|fp] "
                    "[--heap FILE] [--heap-rate N] [--mutex FILE] [--block FILE] "
                    "[--threadcreate FILE] [--snapshot PATTERN] -- CMD [ARGS...]\n",
            msg);
    return 2;
}

/* The library sits next to the CLI in the build tree; FLIGHTPROF_LIB
 * overrides. */
static int find_library(char *out, size_t len)
{
    const char *env = getenv("FLIGHTPROF_LIB");
    char self[PATH_MAX];

    if (env && *env) {
        snprintf(out, len, "%s", env);
        return access(out, R_OK);
    }
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return -1;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    *slash = '\0';
    if ((size_t)snprintf(out, len, "%.*s/libflightprof.so", (int)(len - 32), self) >= len)
        return -1;
    return access(out, R_OK);
}

/* Output paths are made absolute so the command may chdir freely. */
static int set_path_env(const char *name, const char *path)
{
    char abs[PATH_MAX], cwd[PATH_MAX];

    if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
        snprintf(abs, sizeof(abs), "%s", path);
    else if ((size_t)snprintf(abs, sizeof(abs), "%s/%s", cwd, path) >= sizeof(abs))
        return -1;
    return setenv(name, abs, 1);
}

static int parse_options(int argc, char **argv, struct record_opts *o)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"hz", required_argument, NULL, 'z'},
        {"unwind", required_argument, NULL, 'u'},
        {"heap", required_argument, NULL, 'H'},
        {"heap-rate", required_argument, NULL, 'r'},
        {"mutex", required_argument, NULL, 'm'},
        {"block", required_argument, NULL, 'b'},
        {"threadcreate", required_argument, NULL, 't'},
        {"snapshot", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    long num;
    int c;

    memset(o, 0, sizeof(*o));
    o->cpu = DEFAULT_OUTPUT;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o->cpu = optarg; break;
        case 'z':
            if (fp_config_parse_int(optarg, 1, FP_HZ_MAX, &num) != 0)
                return usage_error("--hz takes a whole number from 1 to 1000");
            o->hz = optarg;
            break;
        case 'u':
            if (strcmp(optarg, "libunwind") != 0 && strcmp(optarg, "fp") != 0)
                return usage_error("--unwind takes libunwind or fp");
            o->unwind = optarg;
            break;
        case 'H': o->heap = optarg; break;
        case 'r':
            if (fp_config_parse_int(optarg, 1, LONG_MAX, &num) != 0)
                return usage_error("--heap-rate takes a positive whole number of bytes");
            o->heap_rate = optarg;
            break;
        case 'm': o->mutex = optarg; break;
        case 'b': o->block = optarg; break;
        case 't': o->threadcreate = optarg; break;
        case 's': o->snapshot = optarg; break;
        case 'h': return usage_error("help");
        default: return usage_error("unknown option");
        }
    }
    if (optind >= argc)
        return usage_error("no command given");
    o->argv = argv + optind;
    return 0;
}

static int set_environment(const struct record_opts *o)
{
    char lib[PATH_MAX], preload[2 * PATH_MAX];
    const char *old = getenv("LD_PRELOAD");

    if (find_library(lib, sizeof(lib)) != 0) {
        fprintf(stderr, "flightprof: cannot find libflightprof.so next to the CLI (set FLIGHTPROF_LIB)\n");
        return -1;
    }
    snprintf(preload, sizeof(preload), "%s%s%s", lib, old && *old ? ":" : "", old ? old : "");
    if (setenv("LD_PRELOAD", preload, 1) || set_path_env("FLIGHTPROF_CPU", o->cpu) ||
        (o->hz && setenv("FLIGHTPROF_HZ", o->hz, 1)) ||
        (o->unwind && setenv("FLIGHTPROF_UNWIND", o->unwind, 1)) ||
        (o->heap && set_path_env("FLIGHTPROF_HEAP", o->heap)) ||
        (o->heap_rate && setenv("FLIGHTPROF_HEAP_RATE", o->heap_rate, 1)) ||
        (o->mutex && set_path_env("FLIGHTPROF_MUTEX", o->mutex)) ||
        (o->block && set_path_env("FLIGHTPROF_BLOCK", o->block)) ||
        (o->threadcreate && set_path_env("FLIGHTPROF_THREADCREATE", o->threadcreate)) ||
        (o->snapshot && set_path_env("FLIGHTPROF_SNAPSHOT", o->snapshot))) {
        fprintf(stderr, "flightprof: cannot set up the environment: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

static void forward_signal(int sig)
{
    if (child_pid > 0)
        kill(child_pid, sig);
}

/* "1.98 s", "30.0 MiB", "1234": a total in its unit, for people. */
static void format_total(int64_t total, const char *unit, char *out, size_t len)
{
    if (strcmp(unit, "nanoseconds") == 0)
        snprintf(out, len, "%.2f s", (double)total / 1e9);
    else if (strcmp(unit, "bytes") == 0)
        snprintf(out, len, "%.1f MiB", (double)total / (1024.0 * 1024.0));
    else
        snprintf(out, len, "%lld %s", (long long)total, unit);
}

/* One line for the profile (its path, the number of samples taken, the
 * total of `sample_type`), then its top functions by that type. */
static void print_summary(pid_t pid, const char *what, const char *pattern,
                          const char *count_type, const char *sample_type)
{
    char path[PATH_MAX], err[256], total[64];
    struct fp_pprof_summary counts, s;

    if (fp_pattern_expand(pattern, pid, 0, 0, path, sizeof(path)) != 0)
        return;
    if (fp_pprof_summarize(path, count_type, 0, &counts, err, sizeof(err)) != 0) {
        fprintf(stderr, "flightprof: no %s profile at %s: %s\n", what, path, err);
        return;
    }
    if (fp_pprof_summarize(path, sample_type, TOP_N, &s, err, sizeof(err)) != 0) {
        fprintf(stderr, "flightprof: %s profile %s: %s\n", what, path, err);
        fp_pprof_summary_free(&counts);
        return;
    }
    format_total(s.total, s.unit, total, sizeof(total));
    fprintf(stderr, "flightprof: %s profile written to %s: %lld samples, %s %s\n", what, path,
            (long long)counts.total, total, s.sample_type);
    for (size_t i = 0; i < s.ntop; i++)
        fprintf(stderr, "flightprof:   %5.1f%%  %s\n",
                s.total ? 100.0 * (double)s.top[i].flat / (double)s.total : 0.0, s.top[i].function);
    fp_pprof_summary_free(&s);
    fp_pprof_summary_free(&counts);
}

/* Dies of the same signal as the command, without a second core dump. */
static int exit_like(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        signal(sig, SIG_DFL);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, sig);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        raise(sig);
        return 128 + sig;
    }
    return 1;
}

int cmd_record(int argc, char **argv)
{
    static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    struct record_opts o;
    int status;

    int rc = parse_options(argc, argv, &o);
    if (rc != 0)
        return rc;
    if (set_environment(&o) != 0)
        return 2;
    child_pid = fork();
    if (child_pid < 0) {
        fprintf(stderr, "flightprof: fork: %s\n", strerror(errno));
        return 2;
    }
    if (child_pid == 0) {
        execvp(o.argv[0], o.argv);
        fprintf(stderr, "flightprof: cannot run %s: %s\n", o.argv[0], strerror(errno));
        _exit(127);
    }
    for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
        signal(forwarded[i], forward_signal);
    while (waitpid(child_pid, &status, 0) < 0)
        if (errno != EINTR) {
            fprintf(stderr, "flightprof: waitpid: %s\n", strerror(errno));
            return 2;
        }
    /* Reaped: its pid may be reused, and a signal from now on is ours. */
    pid_t child = child_pid;
    child_pid = 0;
    print_summary(child, "CPU", o.cpu, "samples", "cpu");
    if (o.heap)
        print_summary(child, "heap", o.heap, "alloc_objects", "inuse_space");
    if (o.mutex)
        print_summary(child, "mutex", o.mutex, "contentions", "delay");
    if (o.block)
        print_summary(child, "block", o.block, "contentions", "delay");
    if (o.threadcreate)
        print_summary(child, "threadcreate", o.threadcreate, "threadcreate", "threadcreate");
    return exit_like(status);
}
