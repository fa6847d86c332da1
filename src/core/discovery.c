/*
 * This process's discovery file (format and readers in discovery.h):
 * written at load when an output is configured, removed at exit; and the
 * load-time check whether an ancestor's file names the same outputs, which
 * makes this process an exec'd descendant that must name its files apart.
 * Owns the published file's path and pid (written at load, read at exit)
 * and a scratch buffer for ancestors' files (used once, at load).
 *
 * Nothing here keeps a descriptor open: every file is opened, written or
 * read, and closed in the same function.
 *
 * Signal context: none.
 */
#include "discovery.h"

#include <sys/stat.h>

#include "lifecycle.h"
#include "log.h"
#include "outfile.h"
#include "pattern.h"

/* How far up the parent chain an exec'd program looks for a profiled
 * ancestor: enough for shells and their subshells (whose fork children
 * write no file) between the two, few enough to stay a handful of small
 * /proc reads. */
#define ANCESTOR_LEVELS 8

static char own_path[PATH_MAX]; /* "" until published */
static pid_t published_pid;
static struct fp_discovery scratch;

/* One candidate directory: made (0700) if missing with `create`; usable
 * only if fp_discovery_dir_ok, which is what makes a directory planted by
 * someone else (or a symlink) unusable. */
static bool try_dir(char dir[PATH_MAX], bool create, uid_t uid)
{
    if (create)
        mkdir(dir, 0700);
    return fp_discovery_dir_ok(dir, uid);
}

/* $XDG_RUNTIME_DIR/flightprof, else /dev/shm/flightprof-UID, else
 * /tmp/flightprof-UID: the first that is usable. Memory file systems
 * first: every exec'd process creates and removes its file, and on a disk
 * file system (ext4) that churn makes each creation slower than the rest
 * of a short process's start. */
static int own_dir(char dir[PATH_MAX], bool create)
{
    uid_t uid = geteuid();
    const char *xdg = getenv("XDG_RUNTIME_DIR");

    if (xdg && xdg[0] == '/' &&
        snprintf(dir, PATH_MAX, "%s/" FP_DISCOVERY_SUBDIR, xdg) < PATH_MAX && try_dir(dir, create, uid))
        return 0;
    snprintf(dir, PATH_MAX, FP_DISCOVERY_SHM_DIR "%u", (unsigned)uid);
    if (try_dir(dir, create, uid))
        return 0;
    snprintf(dir, PATH_MAX, FP_DISCOVERY_TMP_DIR "%u", (unsigned)uid);
    return try_dir(dir, create, uid) ? 0 : -1;
}

/* Appends one "key=value" line, backslash and newline escaped, to
 * out[*len]; out has FP_DISCOVERY_FILE_MAX bytes, enough for every line
 * (each value is shorter than PATH_MAX, so at most 2 * PATH_MAX escaped). */
static void put(char *out, size_t *len, const char *key, const char *value)
{
    size_t n = *len;

    for (const char *k = key; *k; k++)
        out[n++] = *k;
    out[n++] = '=';
    for (const char *v = value; *v; v++) {
        if (*v == '\\' || *v == '\n') {
            out[n++] = '\\';
            out[n++] = *v == '\n' ? 'n' : '\\';
        } else {
            out[n++] = *v;
        }
    }
    out[n++] = '\n';
    *len = n;
}

static void put_num(char *out, size_t *len, const char *key, unsigned long long value)
{
    char num[21];

    put(out, len, key, fp_pattern_u64(value, num));
}

static void remove_own(int status)
{
    (void)status;
    /* A fork child runs the exit hooks it inherited: the file is its
     * parent's, who is still running. */
    if (getpid() == published_pid)
        unlink(own_path);
}

void fp_discovery_publish(const struct fp_config *cfg, bool recording, const char *http)
{
    static char text[FP_DISCOVERY_FILE_MAX]; /* load is single-threaded */
    char dir[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX];
    pid_t pid = getpid(), ppid;
    unsigned long long start;
    size_t len = 0;

    if (!fp_config_any_output(cfg)) {
        /* The program this process ran before exec (same pid, same start
         * time) may have left its file; it does not describe this one. */
        if (own_dir(dir, false) == 0 && fp_discovery_file_path(dir, pid, path) == 0)
            unlink(path);
        return;
    }
    if (fp_discovery_proc_stat(pid, &ppid, &start) != 0) {
        fp_log_info("cannot read /proc/self/stat; no discovery file for `flightprof snapshot`");
        return;
    }
    if (own_dir(dir, true) != 0 || fp_discovery_file_path(dir, pid, path) != 0 ||
        snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
        fp_log_info("no private directory for discovery files (%s is not a directory of this "
                    "user's closed to others); `flightprof snapshot` will need this process's "
                    "environment", dir);
        return;
    }
    /* The snapshot pattern only if the recorder really runs: the CLI must
     * not send the snapshot signal to a process that does not catch it. */
    const char *snapshot = recording ? cfg->snapshot_path : "";
    put_num(text, &len, "pid", (unsigned long long)pid);
    put_num(text, &len, "start_time", start);
    put(text, &len, "snapshot", snapshot);
    put_num(text, &len, "snapshot_signal", snapshot[0] ? (unsigned long long)cfg->snapshot_signal : 0);
    put(text, &len, "cpu", cfg->cpu_path);
    put(text, &len, "heap", cfg->heap_path);
    put(text, &len, "mutex", cfg->mutex_path);
    put(text, &len, "block", cfg->block_path);
    put(text, &len, "threadcreate", cfg->threadcreate_path);
    put(text, &len, "http", http);

    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0 || fp_outfile_write_all(fd, text, len) != 0) {
        int saved = errno;
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        fp_log_info("cannot write %s: %s", tmp, strerror(saved));
        return;
    }
    if (fp_outfile_commit(fd, tmp, path) != 0) {
        fp_log_info("cannot write %s: %s", path, strerror(errno));
        return;
    }
    strcpy(own_path, path);
    published_pid = pid;
    fp_lifecycle_on_exit(remove_own);
}

static bool same_output(const char *mine, const char *theirs)
{
    return mine[0] && strcmp(mine, theirs) == 0;
}

bool fp_discovery_ancestor_shares_output(const struct fp_config *cfg)
{
    char dir[PATH_MAX];
    uid_t uid = geteuid();
    pid_t pid = getppid(), ppid;
    unsigned long long start;

    if (!fp_config_any_output(cfg) || own_dir(dir, false) != 0)
        return false;
    for (int level = 0; level < ANCESTOR_LEVELS && pid > 0; level++) {
        if (fp_discovery_read(dir, pid, uid, &scratch) == FP_DISCOVERY_FOUND &&
            (same_output(cfg->cpu_path, scratch.cpu) ||
             same_output(cfg->snapshot_path, scratch.snapshot) ||
             same_output(cfg->heap_path, scratch.heap) ||
             same_output(cfg->mutex_path, scratch.mutex) ||
             same_output(cfg->block_path, scratch.block) ||
             same_output(cfg->threadcreate_path, scratch.threadcreate)))
            return true;
        /* pid 1 is looked at (a container's init may be the profiled
         * program) but has no parent to go on to. */
        if (pid == 1 || fp_discovery_proc_stat(pid, &ppid, &start) != 0)
            break;
        pid = ppid;
    }
    return false;
}
