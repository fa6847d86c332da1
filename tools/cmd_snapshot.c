/*
 * flightprof snapshot PID [-o FILE] [--timeout S]: asks a running process
 * to write a flight-recorder snapshot and prints the file's path.
 *
 * The process names its snapshots itself, from FLIGHTPROF_SNAPSHOT; this
 * command finds that pattern (and the snapshot signal) in, in order:
 * /proc/PID/environ; the process's discovery file (src/core/discovery.h), for
 * programs that overwrite their environment to set their process title;
 * and, for a fork child (which writes no discovery file), the nearest
 * ancestor's environment or discovery file. It notes the files matching
 * the pattern, checks that the process catches the signal (sent to one
 * that does not, it would kill it), sends it with sigqueue() and a value
 * that marks the request as the CLI's, and waits for a new complete
 * snapshot triggered by the CLI to appear. With -o the file is then moved
 * to FILE.
 *
 * Signal context: none (it sends the snapshot signal, never catches one).
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "config.h"
#include "discovery.h"
#include "discovery_dirs.h"
#include "pattern.h"
#include "snapfmt.h"
#include "snapshot_read.h"

#define ENVIRON_MAX (1u << 20)
#define POLL_MS 20
#define MAX_ANCESTORS 64

struct target {
    pid_t pid;
    char pattern[PATH_MAX]; /* FLIGHTPROF_SNAPSHOT */
    int signal;
    bool fork_child;        /* found through an ancestor: only PATTERN.PID is its */
    char glob[2][PATH_MAX + 32]; /* matching the root's files, and a descendant's */
};

/* What one process's environment and discovery file say. */
enum lookup {
    LOOKUP_FOUND,   /* a snapshot pattern (t->pattern, t->signal) */
    LOOKUP_NONE,    /* known to have no flight recorder */
    LOOKUP_UNKNOWN, /* its environment is overwritten and it has no file */
};

/* Discovery directories consulted, for the stale-file sweep at the end. */
static struct ddirs consulted;
static struct fp_discovery disc;

static int usage(void)
{
    fprintf(stderr, "usage: flightprof snapshot PID [-o FILE] [--timeout SECONDS]\n");
    return 2;
}

static char *read_small_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char *buf = malloc(ENVIRON_MAX + 1);
    size_t got = 0;
    ssize_t n;

    if (fd < 0 || !buf) {
        if (fd >= 0)
            close(fd);
        free(buf);
        return NULL;
    }
    while (got < ENVIRON_MAX && (n = read(fd, buf + got, ENVIRON_MAX - got)) > 0)
        got += (size_t)n;
    close(fd);
    buf[got] = '\0';
    *len = got;
    return buf;
}

/* The value of `name` in a NUL-separated environment block, or NULL. */
static const char *env_value(const char *env, size_t len, const char *name)
{
    size_t nlen = strlen(name);

    for (size_t off = 0; off < len; off += strlen(env + off) + 1)
        if (strncmp(env + off, name, nlen) == 0 && env[off + nlen] == '=')
            return env + off + nlen + 1;
    return NULL;
}

/* A line "KEY:\tVALUE" of /proc/PID/status into value; 0 or -1. */
static int status_field(pid_t pid, const char *key, char *value, size_t size)
{
    char path[64], line[512];
    size_t klen = strlen(key);
    int rc = -1;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    while (rc != 0 && fgets(line, sizeof(line), f))
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            snprintf(value, size, "%s", line + klen + 1);
            rc = 0;
        }
    fclose(f);
    return rc;
}

/* Whether the process has a handler for `sig` (SigCgt). Unknown counts as
 * yes: the check is a safety net, not a requirement. */
static bool catches(pid_t pid, int sig)
{
    char value[64];

    if (status_field(pid, "SigCgt", value, sizeof(value)) != 0)
        return true;
    unsigned long long mask = strtoull(value, NULL, 16);
    return sig >= 1 && sig <= 64 && (mask >> (sig - 1)) & 1;
}

/* The discovery directories process `pid` may have used, as the library
 * chooses them (discovery.c), for each uid it has had: its
 * $XDG_RUNTIME_DIR (from its environment if still readable, else ours
 * when we are the same user, else systemd's /run/user/UID), then
 * /dev/shm/flightprof-UID and /tmp/flightprof-UID; each also noted among
 * those consulted. */
static void discovery_dirs(pid_t pid, const char *env, size_t envlen, struct ddirs *dirs)
{
    char value[256];
    unsigned long ids[4];
    const char *theirs = env ? env_value(env, envlen, "XDG_RUNTIME_DIR") : NULL;

    /* Effective first: the library created its directory as that user. */
    if (status_field(pid, "Uid", value, sizeof(value)) != 0 ||
        sscanf(value, "%lu %lu %lu %lu", &ids[1], &ids[0], &ids[2], &ids[3]) != 4)
        return;
    for (int i = 0; i < 4; i++) {
        uid_t uid = (uid_t)ids[i];
        ddirs_add_xdg(dirs, theirs, uid);
        if (geteuid() == uid)
            ddirs_add_xdg(dirs, getenv("XDG_RUNTIME_DIR"), uid);
        ddirs_add_fixed(dirs, uid);
    }
    for (size_t i = 0; i < dirs->n; i++)
        ddirs_add(&consulted, dirs->v[i].path, dirs->v[i].uid);
}

/* Process `pid`'s own flightprof configuration: its environment if it
 * names a pattern, else its discovery file; an environment that is
 * evidently intact (it still shows the library in LD_PRELOAD) and has no
 * pattern means no recorder. */
static enum lookup lookup(pid_t pid, struct target *t, char *why, size_t whylen)
{
    char path[64];
    struct ddirs dirs = {0};
    size_t len = 0;
    enum lookup rc = LOOKUP_UNKNOWN;

    snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
    char *env = read_small_file(path, &len);
    const char *pattern = env ? env_value(env, len, "FLIGHTPROF_SNAPSHOT") : NULL;
    if (pattern && pattern[0]) {
        const char *sig = env_value(env, len, "FLIGHTPROF_SNAPSHOT_SIGNAL");
        snprintf(t->pattern, sizeof(t->pattern), "%s", pattern);
        t->signal = SIGUSR2;
        if (sig && (fp_config_parse_signal(sig, &t->signal) != 0 || t->signal == 0)) {
            t->signal = 0;
            snprintf(why, whylen, "FLIGHTPROF_SNAPSHOT_SIGNAL=%.200s", sig);
        }
        free(env);
        return LOOKUP_FOUND;
    }
    discovery_dirs(pid, env, len, &dirs);
    for (size_t i = 0; i < dirs.n && rc == LOOKUP_UNKNOWN; i++) {
        const struct ddir *dir = &dirs.v[i];
        enum fp_discovery_status st = fp_discovery_read(dir->path, pid, dir->uid, &disc);
        if (st == FP_DISCOVERY_STALE)
            ddirs_remove_stale(dir->path, pid, dir->uid);
        if (st != FP_DISCOVERY_FOUND)
            continue;
        if (!disc.snapshot[0]) {
            snprintf(why, whylen, "its discovery file %.3900s/%d%s names no snapshot pattern", dir->path,
                     (int)pid, FP_DISCOVERY_SUFFIX);
            rc = LOOKUP_NONE;
        } else {
            snprintf(t->pattern, sizeof(t->pattern), "%s", disc.snapshot);
            t->signal = disc.snapshot_signal;
            if (!t->signal)
                snprintf(why, whylen, "FLIGHTPROF_SNAPSHOT_SIGNAL=none");
            rc = LOOKUP_FOUND;
        }
    }
    ddirs_free(&dirs);
    const char *preload = env ? env_value(env, len, "LD_PRELOAD") : NULL;
    if (rc == LOOKUP_UNKNOWN && preload && strstr(preload, "libflightprof")) {
        snprintf(why, whylen, "FLIGHTPROF_SNAPSHOT is not set in its environment");
        rc = LOOKUP_NONE;
    }
    free(env);
    return rc;
}

/* The process's own configuration, else (a fork child writes no discovery
 * file) the nearest ancestor's, as long as the chain runs through
 * processes that have the library loaded. */
static int find_config(struct target *t)
{
    char why[PATH_MAX + 128] = "";
    pid_t pid = t->pid, ppid = 0;
    unsigned long long start;

    enum lookup rc = lookup(pid, t, why, sizeof(why));
    for (int level = 0; rc == LOOKUP_UNKNOWN && level < MAX_ANCESTORS; level++) {
        if (pid == 1 || fp_discovery_proc_stat(pid, &ppid, &start) != 0 || ppid <= 0 ||
            ddirs_has_library(ppid) <= 0)
            break;
        pid = ppid;
        rc = lookup(pid, t, why, sizeof(why));
    }
    if (rc == LOOKUP_FOUND && t->signal == 0) {
        fprintf(stderr, "flightprof: process %d takes no snapshot signal (%s)\n", (int)t->pid, why);
        return -1;
    }
    if (rc == LOOKUP_FOUND) {
        t->fork_child = pid != t->pid;
        return 0;
    }
    if (rc == LOOKUP_NONE && pid == t->pid)
        fprintf(stderr, "flightprof: process %d has no flight recorder (%s)\n", (int)t->pid, why);
    else if (rc == LOOKUP_NONE)
        fprintf(stderr, "flightprof: process %d has no flight recorder (it was forked by process "
                        "%d, where %s)\n", (int)t->pid, (int)pid, why);
    else
        fprintf(stderr, "flightprof: process %d has no flight recorder (FLIGHTPROF_SNAPSHOT is not "
                        "in its environment, and neither it nor an ancestor has a discovery file "
                        "in $XDG_RUNTIME_DIR/" FP_DISCOVERY_SUBDIR ", " FP_DISCOVERY_SHM_DIR
                        "UID or " FP_DISCOVERY_TMP_DIR "UID)\n",
                (int)t->pid);
    return -1;
}

static int load_target(struct target *t)
{
    if (ddirs_has_library(t->pid) <= 0) {
        fprintf(stderr, "flightprof: process %d does not run with flightprof preloaded "
                        "(or cannot be inspected)\n", (int)t->pid);
        return -1;
    }
    int rc = find_config(t);
    ddirs_scan(&consulted, NULL, NULL);
    ddirs_free(&consulted);
    if (rc != 0)
        return -1;
    if (!catches(t->pid, t->signal)) {
        const char *name = sigabbrev_np(t->signal);
        fprintf(stderr, "flightprof: process %d does not catch SIG%s, so its flight recorder is "
                        "not running; not sending it\n", (int)t->pid, name ? name : "?");
        return -1;
    }
    /* Whether an exec'd process is a descendant only it knows: both. */
    if (fp_pattern_glob(t->pattern, t->pid, false, t->glob[0], sizeof(t->glob[0])) != 0 ||
        fp_pattern_glob(t->pattern, t->pid, true, t->glob[1], sizeof(t->glob[1])) != 0) {
        fprintf(stderr, "flightprof: process %d's snapshot pattern is too long\n", (int)t->pid);
        return -1;
    }
    return 0;
}

/* The files matching the target's patterns now: a fork child's own, or
 * the root's and an exec'd descendant's (src/base/pattern.h). */
static void list_files(const struct target *t, glob_t *g)
{
    memset(g, 0, sizeof(*g));
    glob(t->glob[t->fork_child], 0, NULL, g);
    if (!t->fork_child && strcmp(t->glob[0], t->glob[1]) != 0)
        glob(t->glob[1], g->gl_pathc ? GLOB_APPEND : 0, NULL, g);
}

static int listed(const glob_t *g, const char *path)
{
    for (size_t i = 0; i < g->gl_pathc; i++)
        if (strcmp(g->gl_pathv[i], path) == 0)
            return 1;
    return 0;
}

static int is_cli_snapshot(const char *path)
{
    char err[256];
    struct fp_sread *snap = fp_sread_open(path, err, sizeof(err));
    int ok = snap && fp_sread_info(snap)->trigger == FP_SNAP_TRIGGER_CLI;

    fp_sread_close(snap);
    return ok;
}

/* Waits for a new CLI snapshot; returns its path (malloc'd) or NULL. */
static char *wait_for_snapshot(const struct target *t, const glob_t *before, double timeout)
{
    struct timespec pause = {0, POLL_MS * 1000000L};

    for (double waited = 0; waited <= timeout; waited += POLL_MS / 1000.0) {
        glob_t now;
        char *found = NULL;
        list_files(t, &now);
        for (size_t i = 0; i < now.gl_pathc && !found; i++)
            if (!listed(before, now.gl_pathv[i]) && !strstr(now.gl_pathv[i], ".tmp.") &&
                is_cli_snapshot(now.gl_pathv[i]))
                found = strdup(now.gl_pathv[i]);
        globfree(&now);
        if (found)
            return found;
        if (kill(t->pid, 0) != 0 && errno == ESRCH) {
            fprintf(stderr, "flightprof: process %d exited before writing the snapshot\n",
                    (int)t->pid);
            return NULL;
        }
        nanosleep(&pause, NULL);
    }
    fprintf(stderr, "flightprof: no snapshot from process %d after %.1f s (expected a file "
                    "matching %s)\n", (int)t->pid, timeout, t->glob[t->fork_child]);
    return NULL;
}

static int copy_file(const char *from, const char *to)
{
    size_t len;
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    char buf[1 << 16];
    int rc = 0;

    if (!in || !out)
        rc = -1;
    while (rc == 0 && (len = fread(buf, 1, sizeof(buf), in)) > 0)
        if (fwrite(buf, 1, len, out) != len)
            rc = -1;
    if (in && ferror(in))
        rc = -1;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        rc = -1;
    return rc;
}

static int move_file(const char *from, const char *to)
{
    if (rename(from, to) == 0)
        return 0;
    if (errno != EXDEV || copy_file(from, to) != 0) {
        fprintf(stderr, "flightprof: cannot move %s to %s: %s\n", from, to, strerror(errno));
        return -1;
    }
    unlink(from);
    return 0;
}

int cmd_snapshot(int argc, char **argv)
{
    struct target t = {0};
    const char *out = NULL;
    double timeout = 10;
    char *end;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            timeout = strtod(argv[++i], &end);
            if (*end || timeout <= 0)
                return usage();
        } else if (!t.pid) {
            long pid = strtol(argv[i], &end, 10);
            if (*end || pid <= 0)
                return usage();
            t.pid = (pid_t)pid;
        } else {
            return usage();
        }
    }
    if (!t.pid)
        return usage();
    if (load_target(&t) != 0)
        return 1;

    glob_t before;
    list_files(&t, &before);
    union sigval value = {.sival_int = FP_SNAP_CLI_SIGVAL};
    if (sigqueue(t.pid, t.signal, value) != 0) {
        fprintf(stderr, "flightprof: cannot signal process %d: %s\n", (int)t.pid, strerror(errno));
        globfree(&before);
        return 1;
    }
    char *path = wait_for_snapshot(&t, &before, timeout);
    globfree(&before);
    if (!path)
        return 1;
    int rc = 0;
    if (out && move_file(path, out) != 0)
        rc = 1;
    else
        printf("%s\n", out ? out : path);
    free(path);
    return rc;
}
