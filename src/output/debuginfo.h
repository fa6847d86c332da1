/*
 * Where libdwfl finds a module's separate debug info: on local files only
 * (never debuginfod), and, when the file's debug sections are compressed
 * (Debian's -dbg packages), in an uncompressed copy kept beside the symbol
 * cache, so that each later process maps it instead of inflating megabytes
 * of DWARF to look up a few addresses.
 */
#ifndef FLIGHTPROF_DEBUGINFO_H
#define FLIGHTPROF_DEBUGINFO_H

#include <elfutils/libdwfl.h>

/* The callbacks for dwfl_begin. Modules must be reported with an open
 * file (dwfl_report_elf): find_elf never searches. */
const Dwfl_Callbacks *fp_debuginfo_callbacks(void);

#endif
