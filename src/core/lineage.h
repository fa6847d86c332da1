/*
 * Where this process stands in a profiled tree (the process where
 * flightprof first loaded, a fork child, or a program one of them
 * exec'd), and the output names that follow (pattern.h has the rule).
 */
#ifndef FLIGHTPROF_LINEAGE_H
#define FLIGHTPROF_LINEAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

/* Called once at load: finds out, without touching the environment
 * (which is the program's), whether this process is the root of a
 * profiled tree: a fork child is told by its pid, an exec'd program by
 * its ancestors' discovery files. */
void fp_lineage_init(const struct fp_config *cfg);

/*
 * Whether this process descends from the one where flightprof first
 * loaded: a fork child, or an exec'd program whose ancestor writes the
 * same outputs. Its outputs get their own names (below), and at exit an
 * output with nothing in it is not written: fork-heavy programs (shells,
 * build tools) would otherwise pay for a file per short process.
 */
bool fp_lineage_descendant(void);

/*
 * Rewrites an output pattern for this process: in a process that is a
 * descendant of the one where flightprof first loaded (a fork child, or a
 * program it exec'd), a pattern without %p gets ".%p" appended so that
 * parent and child never write the same file. `out` has PATH_MAX bytes.
 */
void fp_lineage_own_pattern(const char *pattern, char *out);

/*
 * The file name for this process of a profile started at `start_wall_ns`
 * (CLOCK_REALTIME): fp_lineage_own_pattern, then %p and %t expanded.
 * `out` has PATH_MAX bytes; a name too long stays unexpanded.
 */
void fp_lineage_output_path(const char *pattern, int64_t start_wall_ns, char *out);

/* The same for period `seq` of a periodic profile (period.h): %n is the
 * period's number, appended as ".%n" to a pattern without it. */
void fp_lineage_period_path(const char *pattern, int64_t start_wall_ns, uint64_t seq, char *out);

#endif
