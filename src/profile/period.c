/*
 * The period engine. Owns the list of periodic profiles (filled at load,
 * read-only afterwards), the period sequence and `closed`, both under
 * period_lock, which also makes a tick and the exit's last period one
 * after the other: the last period is numbered after every tick's and
 * no tick writes after it.
 *
 * Signal context: none (the service thread, exit hooks).
 */
#include "period.h"

#include <pthread.h>
#include <stdbool.h>

#include "config.h"
#include "engine.h"
#include "libc.h"
#include "log.h"
#include "self.h"
#include "service.h"

#define PERIODIC_MAX 8

static fp_period_write_fn periodic[PERIODIC_MAX];
static int nperiodic;
static pthread_mutex_t period_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t sequence;
static bool closed;

void fp_period_add(fp_period_write_fn write)
{
    if (nperiodic == PERIODIC_MAX) {
        fp_log("internal: too many periodic profiles");
        return;
    }
    periodic[nperiodic++] = write;
}

/* Writes period ++sequence of every profile; the last one closes. */
static void write_all(bool last)
{
    fp_internal_enter();
    fp_libc_pthread_mutex_lock(&period_lock);
    if (!closed) {
        closed = last;
        sequence++;
        for (int i = 0; i < nperiodic; i++)
            periodic[i](sequence);
    }
    pthread_mutex_unlock(&period_lock);
    fp_internal_leave();
}

static void tick(void)
{
    write_all(false);
}

static void engine_exit(int status)
{
    (void)status;
    write_all(true);
}

/* A fork child numbers its own periods (its names carry its pid). */
static void fork_child(void)
{
    pthread_mutex_init(&period_lock, NULL);
    sequence = 0;
    closed = false;
}

static bool engine_start(const struct fp_config *cfg, unsigned *hooks)
{
    (void)hooks;
    if (!cfg->period_ns)
        return false;
    fp_service_every(cfg->period_ns, tick);
    return true;
}

const struct fp_engine fp_period_engine = {
    .name = "period",
    .start = engine_start,
    .fork_child = fork_child,
    .exit = engine_exit,
};
