/*
 * The CLI's side of the discovery files (src/core/discovery.h): the
 * directories a process may have written its file to, as the library
 * chooses them (discovery.c), and the files found there, stale ones
 * removed in passing. Shared by `flightprof snapshot`, which looks up one
 * process, and `flightprof ps`, which lists them all. Names are ddirs_*.
 *
 * Signal context: none.
 */
#ifndef FLIGHTPROF_DISCOVERY_DIRS_H
#define FLIGHTPROF_DISCOVERY_DIRS_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "discovery.h"

struct ddir {
    char path[PATH_MAX];
    uid_t uid; /* the user the files in it must belong to */
};

/* A list of directories, each once, in the order added; zero-initialised
 * is empty. */
struct ddirs {
    struct ddir *v;
    size_t n, cap;
};

/* Adds `path` for `uid` unless it is there already or not a directory
 * fp_discovery_dir_ok trusts. */
void ddirs_add(struct ddirs *dirs, const char *path, uid_t uid);

/* Adds XDG/flightprof, the library's first choice, when `xdg` (a value of
 * XDG_RUNTIME_DIR, or NULL) is an absolute path. */
void ddirs_add_xdg(struct ddirs *dirs, const char *xdg, uid_t uid);

/* Adds the directories that do not depend on a process's environment:
 * /run/user/UID/flightprof (systemd's XDG_RUNTIME_DIR), then the
 * library's fallbacks /dev/shm/flightprof-UID and /tmp/flightprof-UID. */
void ddirs_add_fixed(struct ddirs *dirs, uid_t uid);

void ddirs_free(struct ddirs *dirs);

/* Removes DIR/PID.conf, a file the caller found stale. */
void ddirs_remove_stale(const char *dir, pid_t pid, uid_t uid);

/* Called for each live process's file; `d` is valid during the call. */
typedef void ddirs_found_fn(const struct ddir *dir, const struct fp_discovery *d, void *arg);

/* Reads every PID.conf in `dirs`: removes the stale ones (a process
 * killed by SIGKILL, or that crashed, cannot) and passes the others to
 * `found` (which may be NULL). Returns how many directories could not be
 * opened. */
size_t ddirs_scan(const struct ddirs *dirs, ddirs_found_fn *found, void *arg);

/* Whether process `pid` has the library mapped: 1 if /proc/PID/maps
 * names it, 0 if not, -1 if that cannot be read. */
int ddirs_has_library(pid_t pid);

#endif
