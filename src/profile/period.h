/*
 * Continuous profiling to files (FLIGHTPROF_PERIOD): every period, each
 * profile configured with a file writes what happened in that period to
 * its pattern with %n, the period's number, expanded (a pattern without
 * %n gets ".N" appended), stamped with the period's start and length;
 * at exit, the last, partial period.
 */
#ifndef FLIGHTPROF_PERIOD_H
#define FLIGHTPROF_PERIOD_H

#include <stdint.h>

struct fp_engine;

/* The engine (engine.h): ticks on the service thread; at exit, before
 * the profiles' own exit hooks, writes the last period. */
extern const struct fp_engine fp_period_engine;

/* A profile's writer of period `seq` (from 1): writes what happened since
 * its last period and starts the next. Returns 0 or -1. */
typedef int (*fp_period_write_fn)(uint64_t seq);

/* Adds a periodic profile (at load, from its engine's start, when
 * cfg->period_ns is set). Its own exit hook then writes nothing: the
 * last period is written for it. */
void fp_period_add(fp_period_write_fn write);

#endif
