/*
 * The discovery directories the CLI looks in and the files it finds there
 * (discovery_dirs.h). Owns a scratch buffer for the files it reads.
 *
 * Signal context: none.
 */
#include "discovery_dirs.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "mem.h"

static struct fp_discovery scratch;

void ddirs_add(struct ddirs *dirs, const char *path, uid_t uid)
{
    for (size_t i = 0; i < dirs->n; i++)
        if (dirs->v[i].uid == uid && strcmp(dirs->v[i].path, path) == 0)
            return;
    if (strlen(path) >= PATH_MAX || !fp_discovery_dir_ok(path, uid))
        return;
    if (fp_array_reserve(&dirs->v, &dirs->cap, dirs->n + 1, sizeof(*dirs->v)) != 0)
        return; /* one directory fewer to look in */
    strcpy(dirs->v[dirs->n].path, path);
    dirs->v[dirs->n++].uid = uid;
}

void ddirs_add_xdg(struct ddirs *dirs, const char *xdg, uid_t uid)
{
    char path[PATH_MAX];

    if (xdg && xdg[0] == '/' &&
        snprintf(path, sizeof(path), "%s/" FP_DISCOVERY_SUBDIR, xdg) < (int)sizeof(path))
        ddirs_add(dirs, path, uid);
}

void ddirs_add_fixed(struct ddirs *dirs, uid_t uid)
{
    char path[PATH_MAX];

    snprintf(path, sizeof(path), "/run/user/%lu/" FP_DISCOVERY_SUBDIR, (unsigned long)uid);
    ddirs_add(dirs, path, uid);
    snprintf(path, sizeof(path), FP_DISCOVERY_SHM_DIR "%lu", (unsigned long)uid);
    ddirs_add(dirs, path, uid);
    snprintf(path, sizeof(path), FP_DISCOVERY_TMP_DIR "%lu", (unsigned long)uid);
    ddirs_add(dirs, path, uid);
}

void ddirs_free(struct ddirs *dirs)
{
    fp_mem_free(dirs->v);
    *dirs = (struct ddirs){0};
}

/* Moves a stale file aside before removing it, so that a file the
 * process now holding that pid has just written in its place (rename
 * replaces) is put back instead of deleted. */
void ddirs_remove_stale(const char *dir, pid_t pid, uid_t uid)
{
    char path[PATH_MAX], aside[PATH_MAX];

    if (fp_discovery_file_path(dir, pid, path) != 0 ||
        snprintf(aside, sizeof(aside), "%s/.stale.%d", dir, (int)getpid()) >= (int)sizeof(aside) ||
        rename(path, aside) != 0)
        return;
    if (fp_discovery_read_path(aside, pid, uid, &scratch) == FP_DISCOVERY_FOUND)
        rename(aside, path);
    else
        unlink(aside);
}

size_t ddirs_scan(const struct ddirs *dirs, ddirs_found_fn *found, void *arg)
{
    size_t unreadable = 0;

    for (size_t i = 0; i < dirs->n; i++) {
        const struct ddir *dir = &dirs->v[i];
        DIR *d = opendir(dir->path);
        struct dirent *e;
        if (!d) {
            unreadable++;
            continue;
        }
        while ((e = readdir(d))) {
            char *end;
            long pid = strtol(e->d_name, &end, 10);
            if (pid <= 0 || pid > INT_MAX || end == e->d_name || strcmp(end, FP_DISCOVERY_SUFFIX) != 0)
                continue;
            enum fp_discovery_status st = fp_discovery_read(dir->path, (pid_t)pid, dir->uid, &scratch);
            if (st == FP_DISCOVERY_STALE)
                ddirs_remove_stale(dir->path, (pid_t)pid, dir->uid);
            else if (st == FP_DISCOVERY_FOUND && found)
                found(dir, &scratch, arg);
        }
        closedir(d);
    }
    return unreadable;
}

int ddirs_has_library(pid_t pid)
{
    char path[64], line[PATH_MAX + 256];
    int found = 0;

    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    while (!found && fgets(line, sizeof(line), f))
        found = strstr(line, "libflightprof") != NULL;
    fclose(f);
    return found;
}
