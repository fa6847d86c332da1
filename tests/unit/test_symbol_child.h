/* Shared by the symbolizer and pprof tests: runs tests/progs/sym_targets
 * (with its two plugins) from a directory, collects its probes (code
 * addresses with the names, files and lines they must symbolize to) and
 * its executable mappings, read from /proc while it waits. */
#ifndef TEST_SYMBOL_CHILD_H
#define TEST_SYMBOL_CHILD_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "maps.h"

#define MAX_PROBES 16

struct probe {
    char label[32], function[64], file[128], caller[64];
    unsigned long addr;
    int line, call_line;
};

struct child {
    struct probe probes[MAX_PROBES];
    int nprobes;
    struct fp_maps maps;
};

static inline const struct probe *child_probe(const struct child *c, const char *label)
{
    for (int i = 0; i < c->nprobes; i++)
        if (strcmp(c->probes[i].label, label) == 0)
            return &c->probes[i];
    fprintf(stderr, "no probe %s\n", label);
    exit(1);
}

/* The directory of the test programs: FP_PROGS, or `dir` if given. */
static inline void child_run(struct child *c, const char *dir)
{
    char exe[4096], plugin[4096], nodebug[4096], line[512];
    int to_child[2], from_child[2];

    if (!dir)
        dir = getenv("FP_PROGS");
    CHECK(dir != NULL);
    snprintf(exe, sizeof(exe), "%s/sym_targets", dir);
    snprintf(plugin, sizeof(plugin), "%s/sym_plugin", dir);
    snprintf(nodebug, sizeof(nodebug), "%s/sym_nodebug", dir);
    CHECK(pipe(to_child) == 0 && pipe(from_child) == 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dup2(to_child[0], 0);
        dup2(from_child[1], 1);
        close(to_child[1]);
        close(from_child[0]);
        execl(exe, exe, plugin, nodebug, (char *)NULL);
        _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    FILE *out = fdopen(from_child[0], "r");
    memset(c, 0, sizeof(*c));
    while (fgets(line, sizeof(line), out) && strcmp(line, "ready\n") != 0) {
        CHECK(c->nprobes < MAX_PROBES);
        struct probe *p = &c->probes[c->nprobes++];
        CHECK(sscanf(line, "%31s %lx %63s %127s %d %63s %d", p->label, &p->addr, p->function,
                     p->file, &p->line, p->caller, &p->call_line) == 7);
    }
    CHECK(c->nprobes >= 7);
    CHECK(fp_maps_read_pid(pid, &c->maps) == 0);
    close(to_child[1]);
    fclose(out);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Whether `path` ends with the file name of `want`. */
static inline int same_file_name(const char *path, const char *want)
{
    const char *a = strrchr(path, '/'), *b = strrchr(want, '/');

    return strcmp(a ? a + 1 : path, b ? b + 1 : want) == 0;
}

#endif
