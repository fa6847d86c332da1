/*
 * The symbol cache: what symbolization found for each address of an ELF
 * file, kept on disk per build-id so that the next profile of the same
 * binaries needs no DWARF. Reading a distribution's separate debug info
 * (libc6-dbg's compressed sections) costs tens of milliseconds per
 * process; a cache hit costs a file read.
 *
 * One file per build-id in the cache directory, written by appending
 * whole checksummed lines; a line that does not verify is ignored, so a
 * torn or corrupt file costs only its bad entries. A file is trusted only
 * while the separate debug file at the standard build-id path is the one
 * it was written with (or still absent), so installing a -dbg package
 * takes effect at once.
 */
#ifndef FLIGHTPROF_SYMCACHE_H
#define FLIGHTPROF_SYMCACHE_H

#include <stdint.h>

#include "symbolize.h"

#define FP_SYMCACHE_MAX_FRAMES 64

/* The entry was symbolized with DWARF (pprof's has_inline_frames). */
#define FP_SYMCACHE_DWARF 0x1u

struct fp_symcache;

/* Sets the cache directory for the caches opened from now on ("" turns
 * caching off). Call before any symbolizer exists. */
void fp_symcache_set_dir(const char *dir);

/* The cache directory, "" when caching is off. */
const char *fp_symcache_dir(void);

/* Creates the cache directory and its missing parents, private to the
 * user. Returns 0, or -1 with errno set. */
int fp_symcache_make_dir(void);

/* Opens the cache of the ELF file with build-id `build_id` (lowercase
 * hex), loading its valid entries. NULL when caching is off, the build-id
 * is empty, or out of memory. */
struct fp_symcache *fp_symcache_open(const char *build_id);

/*
 * The frames cached for `offset` (an address relative to the file's load
 * bias): returns their number (0: nothing is known there) with
 * frames[0..n) pointing into the cache and *flags set, or -1 when the
 * offset is not cached. At most `max` frames are returned.
 */
int fp_symcache_get(const struct fp_symcache *c, uint64_t offset, struct fp_frame *frames,
                    int max, unsigned *flags);

/* Remembers frames[0..n) for `offset`, to be written by fp_symcache_close.
 * Entries that cannot be stored (too many frames, a tab or newline in a
 * name) are skipped. */
void fp_symcache_put(struct fp_symcache *c, uint64_t offset, const struct fp_frame *frames, int n,
                     unsigned flags);

/* Writes the entries put since open and frees the cache. Failures leave
 * the file as it was (or without the new entries) and are not reported:
 * the cache only saves time. */
void fp_symcache_close(struct fp_symcache *c);

#endif
