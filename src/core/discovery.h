/*
 * Discovery files: how `flightprof snapshot PID`, and a program started by
 * a profiled one, learn a process's flightprof configuration without
 * reading its environment, which programs that set their process title
 * (Redis, nginx, PostgreSQL) overwrite in /proc/PID/environ; and how
 * `flightprof ps` finds the processes that have flightprof loaded.
 *
 * A process whose library loads with an output configured writes
 * DIR/PID.conf, DIR being $XDG_RUNTIME_DIR/flightprof when that variable is
 * an absolute path and the directory is usable, else /dev/shm/flightprof-UID
 * when usable, else /tmp/flightprof-UID (UID the effective uid). DIR is
 * created 0700 and used only while it is a directory, not a symlink, owned
 * by the user and closed to others; the
 * file is 0600, written to PID.conf.tmp and renamed, and removed at exit.
 * A process killed by SIGKILL (or a crash, or _exit) leaves its file
 * behind: the start time in it tells a reader that the process it names is
 * gone even when its pid has been reused.
 *
 * A fork child writes no file (fork must stay cheap, and the program's own
 * code must run first): readers walk up the parent chain and take the
 * nearest ancestor's file; the child names its outputs as the library does
 * (pattern + ".PID" unless the pattern has %p).
 *
 * Format, one "key=value" line each (unknown keys are ignored; backslash
 * and newline in values are written \\ and \n):
 *   pid=1234
 *   start_time=5678        field 22 of /proc/PID/stat (clock ticks after boot)
 *   snapshot=PATTERN       FLIGHTPROF_SNAPSHOT as given, "" when off
 *   snapshot_signal=12     0 when none
 *   cpu=, heap=, mutex=, block=, threadcreate=
 *                          FLIGHTPROF_CPU, _HEAP, _MUTEX, _BLOCK, _THREADCREATE as given
 *   http=ADDR              the endpoint's address as bound, the port the
 *                          kernel chose for port 0 included
 *                          ("127.0.0.1:40123", "[::1]:6060", "unix:/path");
 *                          "" when it does not serve
 *
 * The readers below are static inline and use only system calls and
 * string functions, so that the CLI, which links none of the library's
 * interposing modules, shares them.
 *
 * Signal context: none.
 */
#ifndef FLIGHTPROF_DISCOVERY_H
#define FLIGHTPROF_DISCOVERY_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "config.h"
#include "procfs.h"

#define FP_DISCOVERY_SUBDIR "flightprof"        /* under $XDG_RUNTIME_DIR */
#define FP_DISCOVERY_SHM_DIR "/dev/shm/flightprof-" /* followed by the uid */
#define FP_DISCOVERY_TMP_DIR "/tmp/flightprof-"     /* followed by the uid */
#define FP_DISCOVERY_SUFFIX ".conf"
/* Seven escaped values of up to PATH_MAX bytes (the six patterns and the
 * endpoint's address), each at most twice its length, and the short keys. */
#define FP_DISCOVERY_FILE_MAX (14 * PATH_MAX + 256)

/* Library side (discovery.c). */

/* At load (init.c), after the engines: with any output configured, writes
 * this process's file and removes it at exit; without, removes a file an
 * earlier program of this process (before exec) left. The snapshot
 * pattern is published only when `recording` (the recorder started);
 * `http` is the address the endpoint serves on, "" when it does not (the
 * caller asks the endpoint: this module knows no engine). */
void fp_discovery_publish(const struct fp_config *cfg, bool recording, const char *http);

/* At load (lifecycle.c): true when a live ancestor, a few levels up at
 * most, published a file naming one of cfg's outputs with the same pattern:
 * this process was exec'd from a profiled one and must not overwrite its
 * files. */
bool fp_discovery_ancestor_shares_output(const struct fp_config *cfg);

/* Readers, shared with the CLI. */

struct fp_discovery {
    pid_t pid;
    unsigned long long start_time;
    int snapshot_signal;
    char snapshot[PATH_MAX], cpu[PATH_MAX], heap[PATH_MAX], mutex[PATH_MAX], block[PATH_MAX];
    char threadcreate[PATH_MAX];
    char http[PATH_MAX]; /* "" when the endpoint does not serve (or an older file) */
    char raw[FP_DISCOVERY_FILE_MAX + 1]; /* the file as read */
};

enum fp_discovery_status {
    FP_DISCOVERY_FOUND,  /* the live process's own file */
    FP_DISCOVERY_ABSENT, /* no file (or not ours to trust) */
    FP_DISCOVERY_STALE,  /* a file left by a process that is gone */
};

/* The parent and the start time of process `pid` from /proc/PID/stat
 * (fields 4 and 22; every field from 4 to 22 must be a number). Returns 0,
 * or -1 if the process is gone or unreadable. */
static inline int fp_discovery_proc_stat(pid_t pid, pid_t *ppid, unsigned long long *start_time)
{
    char path[32], buf[1024], *f[20];
    unsigned long long v[20];

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if (fp_procfs_stat_fields(path, buf, sizeof(buf), f, 20) != 20)
        return -1;
    for (int i = 1; i < 20; i++) {
        char *end;
        v[i] = strtoull(f[i], &end, 10);
        if (end == f[i])
            return -1;
    }
    *ppid = (pid_t)v[1];
    *start_time = v[19];
    return 0;
}

/* A directory we may trust: a real directory (not a symlink), owned by
 * `uid`, that nobody else can write to or list. */
static inline bool fp_discovery_dir_ok(const char *dir, uid_t uid)
{
    struct stat st;

    return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == uid &&
           (st.st_mode & 077) == 0;
}

/* DIR/PID.conf into out (PATH_MAX bytes); 0, or -1 if it does not fit. */
static inline int fp_discovery_file_path(const char *dir, pid_t pid, char *out)
{
    int n = snprintf(out, PATH_MAX, "%s/%d" FP_DISCOVERY_SUFFIX, dir, (int)pid);

    return n > 0 && n < PATH_MAX ? 0 : -1;
}

/* Copies an escaped value up to the end of its line into out (PATH_MAX
 * bytes); returns the start of the next line, or NULL if it is too long. */
static inline const char *fp_discovery_unescape(const char *s, char *out)
{
    size_t n = 0;

    for (; *s && *s != '\n'; s++) {
        char c = *s;
        if (c == '\\' && (s[1] == 'n' || s[1] == '\\'))
            c = *++s == 'n' ? '\n' : '\\';
        if (n + 1 >= PATH_MAX)
            return NULL;
        out[n++] = c;
    }
    out[n] = '\0';
    return *s ? s + 1 : s;
}

/* Parses d->raw into the other fields. Returns 0, or -1 if the file lacks
 * its pid or start time or has a malformed line. */
static inline int fp_discovery_parse(struct fp_discovery *d)
{
    static const struct {
        const char *key;
        size_t offset;
    } paths[] = {
        {"snapshot", offsetof(struct fp_discovery, snapshot)},
        {"cpu", offsetof(struct fp_discovery, cpu)},
        {"heap", offsetof(struct fp_discovery, heap)},
        {"mutex", offsetof(struct fp_discovery, mutex)},
        {"block", offsetof(struct fp_discovery, block)},
        {"threadcreate", offsetof(struct fp_discovery, threadcreate)},
        {"http", offsetof(struct fp_discovery, http)},
    };
    char num[32];
    bool have_pid = false, have_start = false;
    const char *s = d->raw;

    d->pid = 0;
    d->start_time = 0;
    d->snapshot_signal = 0;
    d->snapshot[0] = d->cpu[0] = d->heap[0] = d->mutex[0] = d->block[0] = d->threadcreate[0] = d->http[0] =
        '\0';
    while (s && *s) {
        const char *eq = strchr(s, '=');
        const char *eol = strchr(s, '\n');
        if (!eq || (eol && eol < eq))
            return -1;
        size_t klen = (size_t)(eq - s);
        const char *v = eq + 1;
        bool known = false;
        for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
            if (strlen(paths[i].key) == klen && strncmp(s, paths[i].key, klen) == 0) {
                s = fp_discovery_unescape(v, (char *)d + paths[i].offset);
                known = true;
                break;
            }
        }
        if (known) {
            if (!s)
                return -1;
            continue;
        }
        size_t vlen = eol ? (size_t)(eol - v) : strlen(v);
        if (vlen == 0 || vlen >= sizeof(num)) {
            s = eol ? eol + 1 : v + vlen;
            continue; /* not a number we know: ignored */
        }
        memcpy(num, v, vlen);
        num[vlen] = '\0';
        char *end;
        errno = 0;
        unsigned long long x = strtoull(num, &end, 10);
        bool numeric = !*end && !errno;
        if (klen == 3 && strncmp(s, "pid", 3) == 0) {
            if (!numeric || x == 0 || x > INT_MAX)
                return -1;
            d->pid = (pid_t)x;
            have_pid = true;
        } else if (klen == 10 && strncmp(s, "start_time", 10) == 0) {
            if (!numeric)
                return -1;
            d->start_time = x;
            have_start = true;
        } else if (klen == 15 && strncmp(s, "snapshot_signal", 15) == 0) {
            if (!numeric || x > 64)
                return -1;
            d->snapshot_signal = (int)x;
        }
        s = eol ? eol + 1 : v + vlen;
    }
    return have_pid && have_start ? 0 : -1;
}

/*
 * Reads the file at `path`, which should be process `pid`'s, into d,
 * trusting it only if it is a regular file owned by `uid` in a directory
 * the caller has checked with fp_discovery_dir_ok. FOUND when it names
 * `pid` with the live process's start time; STALE when it is there but
 * names a process that is gone (or cannot be parsed); ABSENT otherwise.
 */
static inline enum fp_discovery_status fp_discovery_read_path(const char *path, pid_t pid,
                                                              uid_t uid, struct fp_discovery *d)
{
    struct stat st;
    size_t got = 0;
    ssize_t n;
    pid_t ppid;
    unsigned long long start;

    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return FP_DISCOVERY_ABSENT;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != uid) {
        close(fd);
        return FP_DISCOVERY_ABSENT;
    }
    while (got < FP_DISCOVERY_FILE_MAX &&
           ((n = read(fd, d->raw + got, FP_DISCOVERY_FILE_MAX - got)) > 0 ||
            (n < 0 && errno == EINTR)))
        if (n > 0)
            got += (size_t)n;
    close(fd);
    d->raw[got] = '\0';
    if (fp_discovery_parse(d) != 0 || d->pid != pid)
        return FP_DISCOVERY_STALE;
    if (fp_discovery_proc_stat(pid, &ppid, &start) != 0 || start != d->start_time)
        return FP_DISCOVERY_STALE;
    return FP_DISCOVERY_FOUND;
}

/* fp_discovery_read_path on DIR/PID.conf. */
static inline enum fp_discovery_status fp_discovery_read(const char *dir, pid_t pid, uid_t uid,
                                                         struct fp_discovery *d)
{
    char path[PATH_MAX];

    if (fp_discovery_file_path(dir, pid, path) != 0)
        return FP_DISCOVERY_ABSENT;
    return fp_discovery_read_path(path, pid, uid, d);
}

#endif
