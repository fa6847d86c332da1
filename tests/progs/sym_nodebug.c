// build: -shared -fPIC -g0
/* A shared library without debug info: names come from .symtab, local
 * (static) functions included; no file or line (see sym_targets). */
typedef void (*probe_fn)(const char *, const char *, const char *, int, const char *, int);

static volatile int sink;

static __attribute__((noinline)) void nodebug_static(probe_fn probe)
{
    probe("nodebug_static", "nodebug_static", "-", 0, "-", 0);
    sink = sink + 1;
}

void sym_nodebug_run(probe_fn probe)
{
    nodebug_static(probe);
    sink = sink + 1;
}
