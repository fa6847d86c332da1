/*
 * flightprof snapshot PID [-o FILE] [--timeout S]: asks a running process
 * to write a flight-recorder snapshot and prints the file's path.
 *
 * The process names its snapshots itself, from FLIGHTPROF_SNAPSHOT in its
 * environment; this command reads that pattern (and the snapshot signal)
 * from /proc/PID/environ, notes the files matching it, sends the signal
 * with sigqueue() and a value that marks the request as the CLI's, and
 * waits for a new complete snapshot triggered by the CLI to appear. With
 * -o the file is then moved to FILE.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "config.h"
#include "recorder.h"
#include "snapshot_read.h"

#define ENVIRON_MAX (1u << 20)
#define POLL_MS 20

struct target {
    pid_t pid;
    char pattern[PATH_MAX]; /* FLIGHTPROF_SNAPSHOT */
    int signal;
    char glob[2][PATH_MAX + 32]; /* the pattern, and with ".PID" for fork children */
};

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

static int has_flightprof(pid_t pid)
{
    char path[64], line[PATH_MAX + 256];
    int found = 0;

    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    while (!found && fgets(line, sizeof(line), f))
        found = strstr(line, "libflightprof") != NULL;
    fclose(f);
    return found;
}

/* Turns the snapshot pattern into a glob: %p is the pid, %n and %t any
 * number, and glob's own metacharacters are escaped. */
static void pattern_to_glob(const char *pattern, pid_t pid, const char *suffix, char *out,
                            size_t outlen)
{
    size_t n = 0;

    for (const char *p = pattern; *p && n + 24 < outlen; p++) {
        if (*p == '%' && p[1]) {
            p++;
            if (*p == 'p')
                n += (size_t)snprintf(out + n, outlen - n, "%d", (int)pid);
            else if (*p == 'n' || *p == 't')
                out[n++] = '*';
            else
                out[n++] = *p;
        } else {
            if (strchr("*?[\\", *p))
                out[n++] = '\\';
            out[n++] = *p;
        }
    }
    out[n] = '\0';
    if (suffix)
        snprintf(out + n, outlen - n, ".%d", (int)pid);
}

static int load_target(struct target *t)
{
    char path[64];
    size_t len;

    if (!has_flightprof(t->pid)) {
        fprintf(stderr, "flightprof: process %d does not run with flightprof preloaded "
                        "(or cannot be inspected)\n", (int)t->pid);
        return -1;
    }
    snprintf(path, sizeof(path), "/proc/%d/environ", (int)t->pid);
    char *env = read_small_file(path, &len);
    if (!env) {
        fprintf(stderr, "flightprof: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    const char *pattern = env_value(env, len, "FLIGHTPROF_SNAPSHOT");
    const char *sig = env_value(env, len, "FLIGHTPROF_SNAPSHOT_SIGNAL");
    int rc = -1;
    t->signal = SIGUSR2;
    if (!pattern || !pattern[0])
        fprintf(stderr, "flightprof: process %d has no flight recorder (FLIGHTPROF_SNAPSHOT "
                        "is not set in its environment)\n", (int)t->pid);
    else if (sig && (fp_config_parse_signal(sig, &t->signal) != 0 || t->signal == 0))
        fprintf(stderr, "flightprof: process %d takes no snapshot signal "
                        "(FLIGHTPROF_SNAPSHOT_SIGNAL=%s)\n", (int)t->pid, sig);
    else
        rc = 0;
    if (rc == 0) {
        snprintf(t->pattern, sizeof(t->pattern), "%s", pattern);
        pattern_to_glob(pattern, t->pid, NULL, t->glob[0], sizeof(t->glob[0]));
        pattern_to_glob(pattern, t->pid, "pid", t->glob[1], sizeof(t->glob[1]));
    }
    free(env);
    return rc;
}

/* The files matching the target's patterns now. */
static void list_files(const struct target *t, glob_t *g)
{
    memset(g, 0, sizeof(*g));
    glob(t->glob[0], 0, NULL, g);
    if (strstr(t->pattern, "%p") == NULL)
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
    struct fp_snap *snap = fp_snap_open(path, err, sizeof(err));
    int ok = snap && fp_snap_info(snap)->trigger == FP_SNAP_TRIGGER_CLI;

    fp_snap_close(snap);
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
                    "matching %s)\n", (int)t->pid, timeout, t->glob[0]);
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
    union sigval value = {.sival_int = FP_RECORDER_CLI_SIGVAL};
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
