/*
 * The endpoint's connections: accepted, read, parsed, answered and closed
 * by one loop on the server thread, with limits no client can raise.
 */
#ifndef FLIGHTPROF_HTTP_LOOP_H
#define FLIGHTPROF_HTTP_LOOP_H

#include <stdatomic.h>

/* Serves connections accepted on `listen_fd` (non-blocking) until `quit`
 * is set; a write to `wake_fd` (an eventfd) ends the current wait. */
void fp_http_loop_run(int listen_fd, int wake_fd, const atomic_bool *quit);

/* In a fork child, where the loop's thread does not exist: closes every
 * connection's descriptor. */
void fp_http_loop_close_all(void);

#endif
