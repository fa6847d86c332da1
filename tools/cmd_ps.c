/*
 * flightprof ps [--all]: lists the running processes that have flightprof
 * loaded and published a discovery file (src/core/discovery.h), one line
 * each under a header: pid, program, endpoint, snapshot pattern and the
 * profiles written to files.
 *
 * It looks in every directory the library may have chosen for this user
 * (discovery_dirs.h), since processes started with different environments
 * may have used different ones, and lists each process once. --all adds
 * every user's /run/user/UID/flightprof, /dev/shm/flightprof-UID and
 * /tmp/flightprof-UID, which are closed to everyone but their user (and
 * root). Stale files are removed on the way, as `flightprof snapshot` does.
 *
 * Signal context: none.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "commands.h"
#include "discovery.h"
#include "discovery_dirs.h"
#include "mem.h"

enum { COL_PID, COL_PROGRAM, COL_ENDPOINT, COL_SNAPSHOT, COL_PROFILES, N_COLS };

static const char *const header[N_COLS] = {"PID", "PROGRAM", "ENDPOINT", "SNAPSHOT", "PROFILES"};

struct row {
    pid_t pid;
    char *cell[N_COLS]; /* malloc'd, as printed */
};

struct rows {
    struct row *v;
    size_t n, cap;
    bool out_of_memory;
};

static int usage(void)
{
    fprintf(stderr, "usage: flightprof ps [--all]\n");
    return 2;
}

/* `s` as one table cell (malloc'd, NULL if out of memory): control bytes,
 * which a pattern may hold and which would break the line, as \xHH, and
 * so backslashes doubled. */
static char *cell(const char *s)
{
    char *out = malloc(4 * strlen(s) + 1);
    size_t n = 0;

    if (!out)
        return NULL;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f)
            n += (size_t)sprintf(out + n, "\\x%02x", c);
        else if (c == '\\')
            n += (size_t)sprintf(out + n, "\\\\");
        else
            out[n++] = (char)c;
    }
    out[n] = '\0';
    return out;
}

/* The start of /proc/PID/NAME, up to its first NUL or its last newline,
 * into buf; 0, or -1 if unreadable or empty. */
static int read_proc(pid_t pid, const char *name, char *buf, size_t size)
{
    char path[64];

    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n <= 0)
        return -1;
    if (buf[n - 1] == '\n')
        n--;
    buf[n] = '\0';
    return buf[0] ? 0 : -1;
}

/* Its comm, which stays when a program rewrites its argv to set a process
 * title; else argv[0]'s last component. */
static char *program(pid_t pid)
{
    char buf[PATH_MAX];

    if (read_proc(pid, "comm", buf, sizeof(buf)) == 0)
        return cell(buf);
    if (read_proc(pid, "cmdline", buf, sizeof(buf)) == 0) {
        const char *slash = strrchr(buf, '/');
        return cell(slash && slash[1] ? slash + 1 : buf);
    }
    return cell("?");
}

/* Where to point go tool pprof or curl: the URL of a TCP address, a unix
 * socket as the library names it. */
static char *endpoint(const char *http)
{
    char url[PATH_MAX + 32];

    if (!http[0])
        return cell("-");
    if (strncmp(http, "unix:", 5) == 0)
        return cell(http);
    snprintf(url, sizeof(url), "http://%s/debug/pprof/", http);
    return cell(url);
}

/* "cpu=PATTERN heap=PATTERN ... threadcreate=PATTERN", those set; "-" for none (a
 * profile kept in memory for the endpoint alone has no pattern). */
static char *profiles(const struct fp_discovery *d)
{
    const struct {
        const char *name, *pattern;
    } outputs[] = {{"cpu", d->cpu},     {"heap", d->heap},   {"mutex", d->mutex},
                   {"block", d->block}, {"threadcreate", d->threadcreate}};
    /* Room for every pattern (each shorter than PATH_MAX) with its name. */
    char text[sizeof(outputs) / sizeof(outputs[0]) * (PATH_MAX + 16)];
    size_t n = 0;

    for (size_t i = 0; i < sizeof(outputs) / sizeof(outputs[0]); i++)
        if (outputs[i].pattern[0])
            n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%s=%s", n ? " " : "",
                                  outputs[i].name, outputs[i].pattern);
    return cell(n ? text : "-");
}

/* ddirs_found_fn: one row per process, the first file found for it. */
static void add_row(const struct ddir *dir, const struct fp_discovery *d, void *arg)
{
    struct rows *rows = arg;
    char pid[16];

    (void)dir;
    for (size_t i = 0; i < rows->n; i++)
        if (rows->v[i].pid == d->pid)
            return;
    /* A live file of a process without the library: it has exec'd a
     * program that does not preload it, and the file describes the one
     * before. */
    if (ddirs_has_library(d->pid) == 0)
        return;
    if (fp_array_reserve(&rows->v, &rows->cap, rows->n + 1, sizeof(*rows->v)) != 0) {
        rows->out_of_memory = true;
        return;
    }
    struct row *r = &rows->v[rows->n++];
    snprintf(pid, sizeof(pid), "%d", (int)d->pid);
    r->pid = d->pid;
    r->cell[COL_PID] = cell(pid);
    r->cell[COL_PROGRAM] = program(d->pid);
    r->cell[COL_ENDPOINT] = endpoint(d->http);
    r->cell[COL_SNAPSHOT] = cell(d->snapshot[0] ? d->snapshot : "-");
    r->cell[COL_PROFILES] = profiles(d);
    for (int c = 0; c < N_COLS; c++)
        if (!r->cell[c])
            rows->out_of_memory = true;
}

/* --all: every user's directories of the kinds that do not depend on an
 * environment, each for the uid its name gives (ddirs_add checks that the
 * directory is that user's). Another user's $XDG_RUNTIME_DIR elsewhere
 * than /run/user is not known here. */
static void add_all_users(struct ddirs *dirs)
{
    static const char *const patterns[] = {
        "/run/user/*/" FP_DISCOVERY_SUBDIR,
        FP_DISCOVERY_SHM_DIR "*",
        FP_DISCOVERY_TMP_DIR "*",
    };

    for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
        const char *star = strchr(patterns[i], '*');
        glob_t g;
        if (glob(patterns[i], 0, NULL, &g) != 0)
            continue;
        for (size_t j = 0; j < g.gl_pathc; j++) {
            const char *digits = g.gl_pathv[j] + (star - patterns[i]);
            char *end;
            errno = 0;
            unsigned long uid = strtoul(digits, &end, 10);
            if (*digits >= '0' && *digits <= '9' && !errno && uid == (uid_t)uid &&
                strcmp(end, star + 1) == 0)
                ddirs_add(dirs, g.gl_pathv[j], (uid_t)uid);
        }
        globfree(&g);
    }
}

static int by_pid(const void *a, const void *b)
{
    pid_t x = ((const struct row *)a)->pid, y = ((const struct row *)b)->pid;

    return (x > y) - (x < y);
}

/* Columns as wide as their widest cell, two spaces apart; PID to the
 * right, as ps has it; the last column unpadded. */
static void print_table(const struct rows *rows)
{
    int width[N_COLS];

    for (int c = 0; c < N_COLS; c++) {
        width[c] = (int)strlen(header[c]);
        for (size_t i = 0; i < rows->n; i++)
            if ((int)strlen(rows->v[i].cell[c]) > width[c])
                width[c] = (int)strlen(rows->v[i].cell[c]);
    }
    for (size_t i = 0; i <= rows->n; i++) {
        const char *const *line = i == 0 ? header : (const char *const *)rows->v[i - 1].cell;
        printf("%*s", width[COL_PID], line[COL_PID]);
        for (int c = COL_PID + 1; c < N_COLS; c++)
            printf("  %-*s", c == N_COLS - 1 ? 0 : width[c], line[c]);
        putchar('\n');
    }
}

int cmd_ps(int argc, char **argv)
{
    struct ddirs dirs = {0};
    struct rows rows = {0};
    bool all = false;
    int rc = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--all") != 0)
            return usage();
        all = true;
    }
    ddirs_add_xdg(&dirs, getenv("XDG_RUNTIME_DIR"), geteuid());
    ddirs_add_fixed(&dirs, geteuid());
    if (all)
        add_all_users(&dirs);
    size_t unreadable = ddirs_scan(&dirs, add_row, &rows);
    ddirs_free(&dirs);
    if (unreadable)
        fprintf(stderr, "flightprof: %zu discovery %s could not be read%s\n", unreadable,
                unreadable == 1 ? "directory" : "directories",
                all && geteuid() != 0 ? " (another user's is readable by that user and root only)" : "");
    if (rows.out_of_memory) {
        fprintf(stderr, "flightprof: out of memory\n");
        rc = 1;
    } else {
        if (rows.n) /* qsort takes no NULL array, even empty */
            qsort(rows.v, rows.n, sizeof(rows.v[0]), by_pid);
        print_table(&rows);
        rc = fflush(stdout) == 0 ? 0 : 1;
    }
    for (size_t i = 0; i < rows.n; i++)
        for (int c = 0; c < N_COLS; c++)
            free(rows.v[i].cell[c]);
    fp_mem_free(rows.v);
    return rc;
}
