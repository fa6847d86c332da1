/*
 * The process's place in a profiled tree, and the names of its outputs
 * that follow from it. Owns the pid at load (a fork child knows it is one
 * because getpid() differs) and whether an ancestor's discovery file names
 * one of our outputs with the same pattern (an exec'd descendant); both
 * set once at load.
 *
 * Signal context: fp_lineage_descendant, fp_lineage_own_pattern,
 * fp_lineage_output_path (the crash snapshot's name).
 */
#include "lineage.h"

#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "discovery.h"
#include "pattern.h"

static pid_t load_pid;
static bool exec_descendant;

bool fp_lineage_descendant(void)
{
    return getpid() != load_pid || exec_descendant;
}

void fp_lineage_own_pattern(const char *pattern, char *out)
{
    fp_pattern_own(pattern, fp_lineage_descendant(), out, PATH_MAX);
}

static void expand(const char *own, int64_t start_wall_ns, uint64_t seq, char *out)
{
    if (fp_pattern_expand(own, getpid(), (uint64_t)(start_wall_ns / 1000000000), seq, out,
                          PATH_MAX) != 0)
        memcpy(out, own, PATH_MAX);
}

void fp_lineage_output_path(const char *pattern, int64_t start_wall_ns, char *out)
{
    char own[PATH_MAX];

    fp_lineage_own_pattern(pattern, own);
    expand(own, start_wall_ns, 0, out);
}

void fp_lineage_period_path(const char *pattern, int64_t start_wall_ns, uint64_t seq, char *out)
{
    char own[PATH_MAX];
    size_t len;

    fp_lineage_own_pattern(pattern, own);
    if (!strstr(own, "%n") && (len = strlen(own)) + 3 < PATH_MAX)
        memcpy(own + len, ".%n", 4);
    expand(own, start_wall_ns, seq, out);
}

/* Whether this process is the root of a profiled tree, found without
 * touching the environment (which is the program's): a fork child is
 * told by its pid, an exec'd program by its ancestors' discovery files. */
void fp_lineage_init(const struct fp_config *cfg)
{
    load_pid = getpid();
    exec_descendant = fp_discovery_ancestor_shares_output(cfg);
}
