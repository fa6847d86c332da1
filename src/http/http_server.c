/*
 * The endpoint's lifecycle: binds the address, starts the thread that runs
 * the connection loop (http_loop.c), closes every descriptor in a fork
 * child (which must neither serve nor hold the parent's connections), and
 * stops the thread at exit. Owns the listening socket, the wake-up eventfd,
 * the thread and the address announced.
 *
 * Signal context: none.
 */
#include "http_server.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "http_addr.h"
#include "http_loop.h"
#include "hooks.h"
#include "http_routes.h"
#include "libc.h"
#include "log.h"
#include "ownfd.h"
#include "threads.h"

static int listen_fd = -1, wake_fd = -1;
static struct fp_http_addr bind_addr; /* set at load, before the thread */
static char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* "" unless bound */
/* fp_http_addr_format's longest: "unix:" and a whole sun_path. */
static char address[sizeof(unix_path) + 8];
static pthread_t thread;
static atomic_bool running, quitting;

static void remove_unix_path(void)
{
    if (unix_path[0])
        unlink(unix_path);
    unix_path[0] = '\0';
}

static void *server_main(void *arg)
{
    (void)arg;
    fp_http_loop_run(listen_fd, wake_fd, &quitting);
    return NULL;
}

/*
 * Whether the file at unix address `a` is a stale socket, now removed: a
 * socket of this user's that nobody listens on, left by a process that
 * was killed or by this process's own image before an exec (whose
 * descriptor closed while its file stayed). A socket with a listener, or
 * anything else at the path, is left alone.
 */
static bool remove_stale_socket(const struct fp_http_addr *a)
{
    struct stat st;
    int probe;

    if (lstat(a->u.un.sun_path, &st) != 0 || !S_ISSOCK(st.st_mode) || st.st_uid != geteuid() ||
        (probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
        return false;
    bool stale = connect(probe, &a->u.sa, a->len) != 0 && errno == ECONNREFUSED;
    close(probe);
    return stale && unlink(a->u.un.sun_path) == 0;
}

/* A socket of flightprof's own: close-on-exec, so an exec'd program never
 * holds it; a unix socket is the user's alone (0600, set before listen so
 * that no one can connect in between), and its file is ours to remove
 * once bind has made it (unix_path). */
static int bind_listen(const struct fp_http_addr *a, const char *spec)
{
    bool is_unix = a->u.sa.sa_family == AF_UNIX;
    int fd = fp_ownfd_move(socket(a->u.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    int one = 1;

    if (fd < 0)
        return -1;
    if (!is_unix)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    int rc = bind(fd, &a->u.sa, a->len);
    if (rc != 0 && errno == EADDRINUSE && is_unix && remove_stale_socket(a))
        rc = bind(fd, &a->u.sa, a->len);
    if (rc == 0 && is_unix) {
        strcpy(unix_path, a->u.un.sun_path);
        rc = chmod(unix_path, 0600);
    }
    if (rc != 0 || listen(fd, SOMAXCONN) != 0) {
        int saved = errno;
        fp_log("FLIGHTPROF_HTTP=%s: %s%s; the endpoint is off", spec, strerror(saved),
               saved == EADDRINUSE && !is_unix ? " (port 0 picks a free port)" : "");
        close(fd);
        remove_unix_path();
        errno = saved;
        return -1;
    }
    return fd;
}

/* The address bound, with the port the kernel chose for port 0: kept for
 * fp_http_server_address, and said in one line. */
static void announce(const struct fp_http_addr *a)
{
    struct fp_http_addr bound = *a;

    bound.len = sizeof(bound.u);
    if (a->u.sa.sa_family != AF_UNIX)
        getsockname(listen_fd, &bound.u.sa, &bound.len);
    fp_http_addr_format(&bound, address, sizeof(address));
    if (a->u.sa.sa_family == AF_UNIX)
        fp_log_info("serving /debug/pprof/ on %s", address);
    else
        fp_log_info("serving http://%s/debug/pprof/", address);
}

const char *fp_http_server_address(void)
{
    return atomic_load(&running) ? address : "";
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Binds the socket only: the thread that answers starts once every engine
 * has (fp_http_server_run). */
static bool engine_start(const struct fp_config *cfg, unsigned *hooks)
{
    char err[256];

    if (!cfg->http_addr[0])
        return false;
    if (fp_http_addr_parse(cfg->http_addr, &bind_addr, err, sizeof(err)) != 0) {
        fp_log("FLIGHTPROF_HTTP=%s: %s; the endpoint is off", cfg->http_addr, err);
        return false;
    }
    if ((listen_fd = bind_listen(&bind_addr, cfg->http_addr)) < 0)
        return false;
    if (!bind_addr.loopback)
        fp_log("FLIGHTPROF_HTTP=%s: listening beyond loopback: anyone who can reach it can "
               "read this process's profiles%s",
               cfg->http_addr, cfg->http_token[0] ? "" : " (set FLIGHTPROF_HTTP_TOKEN)");
    fp_http_routes_init(cfg->http_token);
    /* /metrics counts threads by what they wait in. */
    *hooks |= FP_HOOKS(FP_HOOK_LOCK, FP_FEED_STATE) | FP_HOOKS(FP_HOOK_WAIT, FP_FEED_STATE);
    return true;
}

void fp_http_server_run(void)
{
    if (listen_fd < 0)
        return;
    wake_fd = fp_ownfd_move(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    int rc = wake_fd < 0 ? errno : fp_threads_start_own(&thread, "flightprof-http", server_main, NULL);
    if (rc != 0) {
        fp_log("FLIGHTPROF_HTTP: cannot start the server: %s; the endpoint is off", strerror(rc));
        close_fd(&listen_fd);
        close_fd(&wake_fd);
        remove_unix_path();
        return;
    }
    atomic_store(&running, true);
    announce(&bind_addr);
}

/* The child has no server thread: it closes what the parent serves with
 * (the connections' memory is left as it is). */
static void http_fork_child(void)
{
    if (!atomic_exchange(&running, false))
        return;
    fp_http_loop_close_all();
    close_fd(&listen_fd);
    close_fd(&wake_fd);
}

static void http_exit(int status)
{
    (void)status;
    if (!atomic_exchange(&running, false))
        return;
    atomic_store(&quitting, true);
    uint64_t one = 1;
    ssize_t n = write(wake_fd, &one, sizeof(one));
    (void)n; /* a counter already set wakes the thread as well */
    fp_libc_pthread_join(thread, NULL);
    remove_unix_path(); /* not in a fork child, which is not running */
}

const struct fp_engine fp_http_engine = {
    .name = "http",
    .start = engine_start,
    .fork_child = http_fork_child,
    .exit = http_exit,
};
