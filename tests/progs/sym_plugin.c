// build: -shared -fPIC
/* A shared library sym_targets dlopens (see there for the probe format). */
typedef void (*probe_fn)(const char *, const char *, const char *, int, const char *, int);

static volatile int sink;

static __attribute__((noinline)) void plugin_static(probe_fn probe)
{
    probe("plugin_static", "plugin_static", __FILE__, __LINE__, "-", 0);
    sink = sink + 1;
}

void sym_plugin_run(probe_fn probe)
{
    probe("plugin_run", "sym_plugin_run", __FILE__, __LINE__, "-", 0);
    sink = sink + 1;
    plugin_static(probe);
    sink = sink + 1;
}
