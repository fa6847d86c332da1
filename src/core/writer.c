/*
 * Loads the writer module (writer.h) on the first profile write and
 * hands it the profile. The module's image is part of this library's own
 * read-only data (writer_image.S); it is copied to a memfd and dlopen'ed
 * from /proc/self/fd, so that libflightprof.so stays the one file users
 * preload. Owns the module's handle and API (loaded once, kept for the
 * life of the process) and nothing else.
 *
 * dlopen takes the loader's lock and allocates: this runs where writes
 * run (exit hooks, the service thread, the API), never in a handler.
 *
 * Signal context: none.
 */
#include "writer.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lifecycle.h"
#include "log.h"
#include "maps.h"
#include "mem.h"
#include "outfile.h"
#include "pprof_internal.h"

/* The module's ELF image, from writer_image.S. */
extern const unsigned char fp_writer_image[], fp_writer_image_end[];

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static const struct fp_writer_api *api;
static char load_error[256];

static void host_log(const char *message)
{
    fp_log("%s", message);
}

static void host_log_info(const char *message)
{
    fp_log_info("%s", message);
}

static void load(void)
{
    char path[64];
    int fd = memfd_create(FP_WRITER_MEMFD, MFD_CLOEXEC);

    if (fd < 0) {
        snprintf(load_error, sizeof(load_error), "memfd_create: %s", strerror(errno));
        return;
    }
    /* thread-self: once the main thread has ended (pthread_exit), the
     * zombie leader makes /proc/self/fd unreadable. */
    snprintf(path, sizeof(path), "/proc/thread-self/fd/%d", fd);
    void *handle = NULL;
    if (fp_outfile_write_all(fd, fp_writer_image, (size_t)(fp_writer_image_end - fp_writer_image)) != 0)
        snprintf(load_error, sizeof(load_error), "cannot copy the writer module: %s", strerror(errno));
    else if (!(handle = dlopen(path, RTLD_NOW | RTLD_LOCAL)))
        snprintf(load_error, sizeof(load_error), "cannot load the writer module: %s", dlerror());
    close(fd); /* the mapping stays */
    if (!handle)
        return;
    const struct fp_writer_api *found = dlsym(handle, FP_WRITER_SYMBOL);
    if (!found || found->abi != FP_WRITER_ABI) {
        snprintf(load_error, sizeof(load_error), "the writer module is from another build");
        return;
    }
    api = found;
}

/* The loaded module's API and the host it is handed; NULL with errno and
 * *why set when the module cannot be loaded. */
static const struct fp_writer_api *module(struct fp_writer_host *host, const char **why)
{
    *host = (struct fp_writer_host){
        .symcache_dir = fp_lifecycle_config()->symcache_dir,
        .allocator = fp_mem_allocator(),
        .log = host_log,
        .log_info = host_log_info,
    };
    pthread_once(&load_once, load);
    if (!api) {
        *why = load_error;
        errno = ENOEXEC;
    }
    return api;
}

/* The profile `p` written to `path` by the module; -1 with errno and
 * *why set when the module cannot be loaded. */
static int write_profile(struct fp_pprof *p, const char *path, const char **why)
{
    struct fp_writer_host host;
    const struct fp_writer_api *m = module(&host, why);

    return m ? m->pprof_write(p, path, &host) : -1;
}

int fp_writer_write_and_free(struct fp_pprof *p, bool failed, bool skip_empty, const char *what,
                             const char *path)
{
    const char *why = NULL;
    int rc = -1;

    if (p && !failed && skip_empty && p->nsamples == 0)
        rc = 0;
    else if (!p || failed)
        errno = ENOMEM;
    else
        rc = write_profile(p, path, &why);
    if (rc != 0)
        fp_log("cannot write the %s profile %s: %s", what, path, why ? why : strerror(errno));
    fp_pprof_free(p);
    return rc;
}

/* What every in-memory entry ends with: *why set on failure, `p` freed. */
static int settle(int rc, struct fp_pprof *p, const char **why)
{
    if (rc != 0 && !*why)
        *why = strerror(errno);
    fp_pprof_free(p);
    return rc;
}

/* The module, for writing `p` into memory: NULL (errno, *why) when there
 * is no profile to write or no module to write it. */
static const struct fp_writer_api *ready(const struct fp_pprof *p, bool failed,
                                         struct fp_writer_host *host, const char **why)
{
    *why = NULL;
    if (!p || failed) {
        errno = ENOMEM;
        return NULL;
    }
    return module(host, why);
}

int fp_writer_encode_and_free(struct fp_pprof *p, bool failed, uint8_t **out, size_t *outlen,
                              const char **why)
{
    struct fp_writer_host host;
    const struct fp_writer_api *m = ready(p, failed, &host, why);

    return settle(m ? m->pprof_encode(p, out, outlen, &host) : -1, p, why);
}

int fp_writer_text_and_free(struct fp_pprof *p, bool failed, const char *header, const char *record,
                            const char *footer, char **out, size_t *outlen, const char **why)
{
    struct fp_writer_host host;
    const struct fp_writer_api *m = ready(p, failed, &host, why);

    return settle(m ? m->pprof_text(p, header, record, footer, out, outlen, &host) : -1, p, why);
}

int fp_writer_symbol_lines(const uint64_t *addrs, size_t n, char **out, size_t *outlen,
                           const char **why)
{
    struct fp_writer_host host;
    const struct fp_writer_api *m;

    *why = NULL;
    int rc = (m = module(&host, why)) ? m->symbol_lines(addrs, n, out, outlen, &host) : -1;
    return settle(rc, NULL, why);
}
