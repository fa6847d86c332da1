/*
 * The writer module's log.h: its lines go to the library that loaded it
 * (fp_writer_host), whose log has the process's configuration.
 */
#ifndef FLIGHTPROF_WRITER_LOG_H
#define FLIGHTPROF_WRITER_LOG_H

#include "writer.h"

/* Set at the start of every write, before anything can log. */
void fp_writer_log_set_host(const struct fp_writer_host *host);

#endif
