/*
 * The skeleton every site profile shares (the heap, mutex and block
 * profiles): events sampled at a wrapper, recorded as
 * counters of their site (stack and tag, sitetab.h) under the profile's
 * lock, and written as a pprof profile at exit and through the API.
 *
 * A profile owns one static struct fp_siteprof and describes itself with
 * a struct fp_siteprof_kind: its sample types, how a site's counters
 * become a sample's values, and what else it says in comments. What only
 * it does (its sampling decision, tables of its own, signals) stays in
 * the profile.
 *
 * Signal context: none.
 */
#ifndef FLIGHTPROF_SITEPROF_H
#define FLIGHTPROF_SITEPROF_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "libc.h"
#include "lineage.h"
#include "period.h"
#include "pprof.h"
#include "sitetab.h"

struct fp_siteprof;

struct fp_siteprof_kind {
    const char *name; /* "heap": names the profile in the writer's log */
    size_t max_sites, max_frames; /* the site table's room (fp_sitetab_new) */
    const struct fp_pprof_value_type *types;
    int ntypes; /* at most FP_SITE_COUNTERS */
    struct fp_pprof_value_type period_type; /* the period is the rate, */
    bool unit_period;                       /* or 1: the values are scaled */
    /* A site's tag becomes a numeric label `tag_label` in `tag_unit`; no
     * label when tag_label is NULL. */
    const char *tag_label, *tag_unit;
    /* What a sample is, for the comment on samples the table had no room
     * for ("sampled allocations"). */
    const char *lost_what;
    /* Turns a site's counters into values[0..ntypes). */
    void (*values)(const struct fp_siteprof *p, uint64_t tag, const int64_t counters[FP_SITE_COUNTERS],
                   int64_t *values);
    /* Adds the profile's own comments, after the skeleton's; may be NULL. */
    void (*add_comments)(struct fp_pprof *profile);
};

/* A site profile's values at one moment, for a delta profile (the
 * endpoint's seconds=N): sites 1..nsites, kind->ntypes values each. */
struct fp_siteprof_mark {
    int64_t *values; /* fp_mem memory */
    uint32_t nsites;
    int64_t wall_ns, mono_ns;
};

/*
 * A site profile's state. Configuration is set at load by
 * fp_siteprof_start and read-only afterwards; `sites` and `lost` are
 * changed under `lock` (sites are read lock-free when writing).
 * Initialise the lock statically: {.lock = PTHREAD_MUTEX_INITIALIZER}.
 */
struct fp_siteprof {
    bool on; /* the wrappers' first test: set by the profile once it is ready */
    uint64_t rate;
    enum fp_unwind_mode mode;
    int depth;
    char pattern[PATH_MAX];
    int64_t start_wall_ns, start_mono_ns;
    const struct fp_siteprof_kind *kind;
    pthread_mutex_t lock; /* serialises changes to `sites` and what the profile adds */
    struct fp_sitetab *sites;
    uint64_t lost; /* samples without room for their site (lock) */
    /* Written every FLIGHTPROF_PERIOD (period.h) as what changed since
     * `period_since`, instead of once at exit; set at load. */
    bool periodic;
    struct fp_siteprof_mark period_since;
};

/*
 * Sets up `p` at load from the output `pattern`, the `rate` (0 means 1)
 * and the unwinding settings of `cfg`, and reserves its site table.
 * Leaves `p->on` to the caller. Returns 0, or -1 with errno.
 */
int fp_siteprof_start(struct fp_siteprof *p, const struct fp_siteprof_kind *kind, const char *pattern,
                      uint64_t rate, const struct fp_config *cfg);

/*
 * The start of an engine that is a site profile and nothing more: nothing
 * unless `on`; else fp_siteprof_start, the periodic write `period`
 * registered when FLIGHTPROF_PERIOD asks for one, and `p->on`. Returns
 * whether the profile runs, with one line saying why not.
 */
bool fp_siteprof_engine_start(struct fp_siteprof *p, const struct fp_siteprof_kind *kind, bool on,
                              const char *pattern, uint64_t rate, const struct fp_config *cfg,
                              fp_period_write_fn period);

/* Takes and releases p->lock: the real pthread_mutex_lock (libc.h), so
 * that flightprof's lock never feeds the mutex profile. */
static inline void fp_siteprof_lock(struct fp_siteprof *p)
{
    fp_libc_pthread_mutex_lock(&p->lock);
}

static inline void fp_siteprof_unlock(struct fp_siteprof *p)
{
    pthread_mutex_unlock(&p->lock);
}

/*
 * Records a sample: finds or adds the site (pcs[0..depth), tag) and adds
 * deltas[c] to its counter c for c in [0, n). Returns the site, or 0 when
 * the table had no room (counted in p->lost). Caller holds the lock.
 */
static inline uint32_t fp_siteprof_add(struct fp_siteprof *p, const uintptr_t *pcs, int depth,
                                       uint64_t tag, const int64_t *deltas, int n)
{
    uint32_t site = fp_sitetab_get(p->sites, pcs, depth, tag);

    if (!site) {
        p->lost++;
        return 0;
    }
    for (int c = 0; c < n; c++)
        fp_sitetab_count(p->sites, site, c, deltas[c]);
    return site;
}

/* Records `p`'s values now in *m. Returns 0, or -1 with errno. */
int fp_siteprof_mark(struct fp_siteprof *p, struct fp_siteprof_mark *m);
void fp_siteprof_mark_free(struct fp_siteprof_mark *m);

/*
 * `p` as a pprof profile: everything since the profile started (`since`
 * NULL), or what changed since the mark `since` (Go's delta profile: every
 * value the difference, sites without change left out, stamped at the mark
 * with the mark's age as duration). `default_type` (one of the sample
 * types, or NULL) is pprof's default. Returns NULL when out of memory;
 * *failed when some sample could not be added. Call in the internal scope.
 */
struct fp_pprof *fp_siteprof_build(struct fp_siteprof *p, const struct fp_siteprof_mark *since,
                                   const char *default_type, bool *failed);

/* Each sample type's total over every site now (kind->ntypes values), as
 * the profile would show them. Lock-free. */
void fp_siteprof_totals(struct fp_siteprof *p, int64_t *totals);

/* Period `seq` of a periodic profile: what changed since the last period,
 * to the period's file name; then a new period from now. Returns 0 or
 * -1. */
int fp_siteprof_write_period(struct fp_siteprof *p, uint64_t seq);

/* The configured output for this process (a fork child's gets its pid),
 * written now; `at_exit` as for fp_siteprof_write_at_exit. Returns 0 or
 * -1 with errno. */
int fp_siteprof_write_configured(struct fp_siteprof *p, bool at_exit);

/* The engine's exit hook: writes the configured output if the profile is
 * on and not periodic (its last period has been written). A descendant process (fp_lineage_descendant) writes nothing if
 * nothing was recorded. */
void fp_siteprof_write_at_exit(struct fp_siteprof *p);

/* The API's write: the profile to `path`, with `default_type` (one of the
 * sample types, or NULL) as pprof's default. Returns 0, or -1 with errno
 * ESRCH (the profile is off), EINVAL (no path) or the write's. */
int fp_siteprof_write_api(struct fp_siteprof *p, const char *path, const char *default_type);

/* Around fork (engine.h): no other thread may hold the lock across it,
 * or the child would find it locked forever. */
void fp_siteprof_fork_prepare(struct fp_siteprof *p);
void fp_siteprof_fork_parent(struct fp_siteprof *p);
void fp_siteprof_fork_child(struct fp_siteprof *p);

/*
 * Engine hooks take no argument: FP_SITEPROF_HOOKS(name, prof) defines,
 * for the profile's static struct fp_siteprof `prof`, the hooks
 * name_fork_prepare, name_fork_parent, name_fork_child and name_exit for
 * its struct fp_engine, and name_period for fp_period_add.
 */
#define FP_SITEPROF_HOOKS(name, prof)                                                              \
    static void name##_fork_prepare(void) { fp_siteprof_fork_prepare(&(prof)); }                   \
    static void name##_fork_parent(void) { fp_siteprof_fork_parent(&(prof)); }                     \
    static void name##_fork_child(void) { fp_siteprof_fork_child(&(prof)); }                       \
    static void name##_exit(int status)                                                            \
    {                                                                                              \
        (void)status;                                                                              \
        fp_siteprof_write_at_exit(&(prof));                                                        \
    }                                                                                              \
    static int name##_period(uint64_t seq) { return fp_siteprof_write_period(&(prof), seq); }

/* The profile's engine, fp_<prefix>_engine, with those hooks and `start_fn`. */
#define FP_SITEPROF_ENGINE(prefix, start_fn)                                                       \
    const struct fp_engine fp_##prefix##_engine = {                                                \
        .name = #prefix,                                                                           \
        .start = start_fn,                                                                         \
        .fork_prepare = prefix##_fork_prepare,                                                     \
        .fork_parent = prefix##_fork_parent,                                                       \
        .fork_child = prefix##_fork_child,                                                         \
        .exit = prefix##_exit,                                                                     \
    }
#endif
