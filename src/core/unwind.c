/*
 * Stack walking. Owns the privately loaded libunwind (resolved once at
 * start, read-only afterwards) and the fallback counters.
 *
 * libunwind is dlopen'ed with RTLD_LOCAL rather than linked: libunwind.so
 * defines _Unwind_RaiseException and friends, and a preloaded library's
 * dependencies come before libgcc_s in symbol lookup, so linking it would
 * silently move the host's C++ exceptions onto libunwind.
 *
 * Signal context: fp_unwind_from_signal, fp_unwind_here, fp_unwind_readable,
 * fp_unwind_to_locations.
 */
#include "unwind.h"

#include <dlfcn.h>
#define UNW_LOCAL_ONLY /* for the cursor and context types only: every call goes through dlsym */
#include <libunwind.h>
#include <link.h>
#include <sys/auxv.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <sys/uio.h>
#include <ucontext.h>
#include <unistd.h>

#include "libc.h"
#include "loaderlock.h"
#include "log.h"
#include "self.h"

/* Frames unw_backtrace may report above the interrupted one: our handler,
 * its callers inside flightprof and the kernel's signal trampoline. */
#define HANDLER_FRAMES_MAX 16
#define FP_WALK_MAX_STACK (64u << 20) /* sanity bound when bounds unknown */

static int (*unw_backtrace_fn)(void **buffer, int size);
/* libunwind's thread-local storage, for fp_unwind_thread_prepare; 0 when
 * it has none. */
static size_t unw_tls_module;
static _Atomic uint64_t loader_fallbacks, libunwind_failures;
/* An object's code, [lo, hi). */
struct text {
    uintptr_t base, lo, hi;
};
/* The dynamic loader's: a PC there may hold the loader's locks with its
 * lists half-updated. libunwind's: what it maps and unmaps on its own
 * (a thread's trace cache, freed by a thread-exit destructor, outside any
 * call of ours) is flightprof's. This library's: its frames are left out
 * of the program's stacks. Set once by fp_unwind_init. */
static struct text ldso_text, unw_text, self_text;

/* Fills t->lo, t->hi for the object loaded at t->base (a dl_iterate_phdr
 * callback). */
static int find_text(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct text *t = arg;

    (void)size;
    if (info->dlpi_addr != t->base)
        return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
            t->lo = info->dlpi_addr + ph->p_vaddr;
            t->hi = t->lo + ph->p_memsz;
        }
    }
    return 1;
}

static bool in_text(const struct text *t, uintptr_t pc)
{
    return pc >= t->lo && pc < t->hi;
}

static bool in_dynamic_loader(uintptr_t pc)
{
    return in_text(&ldso_text, pc);
}

bool fp_unwind_readable(uintptr_t addr)
{
    char byte;
    struct iovec local = {&byte, 1}, remote = {(void *)addr, 1};

    return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == 1;
}

bool fp_unwind_pc_in_loader(uintptr_t pc)
{
    return in_dynamic_loader(pc);
}

bool fp_unwind_pc_in_libunwind(uintptr_t pc)
{
    return in_text(&unw_text, pc);
}

/*
 * Around every call into libunwind: it takes the loader's lock itself
 * (in_loader), its validation calls go to interpose_fd.c's wrappers
 * (in_unwinder), and its locking and allocations are not the program's
 * (busy).
 */
static void enter_libunwind(struct fp_self *self)
{
    self->in_loader++;
    self->in_unwinder++;
    fp_internal_enter();
}

static void leave_libunwind(struct fp_self *self)
{
    fp_internal_leave();
    self->in_unwinder--;
    self->in_loader--;
}

/*
 * libunwind initialises itself on first use (taking a lock, opening its
 * validation pipe, finding the program's unwind tables): one step of a
 * cursor does that here, not in the first signal handler. Not
 * unw_backtrace: its first call on a thread also builds that thread's
 * trace cache (256 KiB, every page written, about 0.2 ms), which a
 * short process that is never sampled would pay for nothing; a thread's
 * first sample builds it instead, as it does on every other thread.
 */
static void warm_up(void *lib)
{
    int (*getcontext_fn)(unw_context_t *) = (int (*)(unw_context_t *))dlsym(lib, "_Ux86_64_getcontext");
    int (*init_local_fn)(unw_cursor_t *, unw_context_t *) =
        (int (*)(unw_cursor_t *, unw_context_t *))dlsym(lib, "_ULx86_64_init_local");
    int (*step_fn)(unw_cursor_t *) = (int (*)(unw_cursor_t *))dlsym(lib, "_ULx86_64_step");
    struct fp_self *self = fp_self();

    enter_libunwind(self);
    if (getcontext_fn && init_local_fn && step_fn) {
        unw_context_t context;
        unw_cursor_t cursor;
        if (getcontext_fn(&context) == 0 && init_local_fn(&cursor, &context) == 0)
            step_fn(&cursor);
    } else {
        void *buf[4];
        unw_backtrace_fn(buf, 4);
    }
    leave_libunwind(self);
}

int fp_unwind_init(void)
{
    static int result = 1; /* 1: not tried yet */
    void *lib;

    if (result != 1)
        return result;
    result = -1;

    ldso_text.base = getauxval(AT_BASE);
    fp_libc_dl_iterate_phdr(find_text, &ldso_text);
    Dl_info self;
    if (dladdr((void *)fp_unwind_to_locations, &self) && self.dli_fbase) {
        self_text.base = (uintptr_t)self.dli_fbase;
        fp_libc_dl_iterate_phdr(find_text, &self_text);
    }
    if (fp_loaderlock_init() != 0)
        fp_log("cannot locate the dynamic loader's lock; samples taken in dlopen may use frame pointers");
    lib = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);

    if (!lib) {
        fp_log("cannot load libunwind (%s); using frame pointers", dlerror());
        return -1;
    }
    unw_backtrace_fn = (int (*)(void **, int))dlsym(lib, "unw_backtrace");
    if (!unw_backtrace_fn) {
        fp_log("libunwind has no unw_backtrace; using frame pointers");
        return -1;
    }
    if (dlinfo(lib, RTLD_DI_TLS_MODID, &unw_tls_module) != 0)
        unw_tls_module = 0;
    Dl_info info;
    if (dladdr((void *)unw_backtrace_fn, &info) && info.dli_fbase) {
        unw_text.base = (uintptr_t)info.dli_fbase;
        fp_libc_dl_iterate_phdr(find_text, &unw_text);
    }
    warm_up(lib);
    fp_unwind_thread_prepare();
    result = 0;
    return 0;
}

/* The dynamic loader's entry point for a module's thread-local block; it
 * allocates the block on a thread's first access. */
struct tls_index {
    unsigned long module, offset;
};
extern void *__tls_get_addr(struct tls_index *ti);

void fp_unwind_thread_prepare(void)
{
    struct tls_index ti = {unw_tls_module, 0};

    if (unw_tls_module) {
        fp_internal_enter(); /* the loader's malloc for it is ours, not the program's */
        __tls_get_addr(&ti);
        fp_internal_leave();
    }
}

/* Follows the rbp chain from `fp`. Every frame must lie on the thread's
 * stack, above the previous one and 16-byte aligned as the x86-64 ABI
 * keeps it, so a corrupt or absent chain ends the walk instead of reading
 * wild memory. It reads other functions' frames by design, which
 * AddressSanitizer would call overflows of their redzones. */
__attribute__((no_sanitize_address)) static int walk_frame_pointers(uintptr_t fp, uintptr_t sp,
                                                                    uintptr_t *pcs, int n, int max)
{
    const struct fp_self *self = fp_self();
    uintptr_t lo = sp, hi = self->stack_hi;

    if (!hi || sp < self->stack_lo || sp >= hi)
        return n; /* unknown stack: only what we already have is safe */
    if (hi - lo > FP_WALK_MAX_STACK)
        hi = lo + FP_WALK_MAX_STACK;
    while (n < max) {
        if (fp < lo || fp > hi - 2 * sizeof(uintptr_t) || (fp & (sizeof(uintptr_t) - 1)))
            break;
        const uintptr_t *frame = (const uintptr_t *)fp;
        uintptr_t next = frame[0], ret = frame[1];
        if (ret < 4096)
            break;
        pcs[n++] = ret;
        if (next <= fp)
            break;
        lo = fp;
        fp = next;
    }
    return n;
}

static int unwind_fp_from_context(const ucontext_t *uc, uintptr_t *pcs, int max)
{
    const greg_t *regs = uc->uc_mcontext.gregs;

    if (max <= 0)
        return 0;
    pcs[0] = (uintptr_t)regs[REG_RIP];
    return walk_frame_pointers((uintptr_t)regs[REG_RBP], (uintptr_t)regs[REG_RSP], pcs, 1, max);
}

/* unw_backtrace starts in the handler; the interrupted frame is the one
 * whose PC is the context's RIP. Everything before it is dropped. */
static int unwind_libunwind_from_context(const ucontext_t *uc, uintptr_t *pcs, int max)
{
    void *raw[FP_DEPTH_MAX + HANDLER_FRAMES_MAX];
    uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    int want = max + HANDLER_FRAMES_MAX;

    if (want > (int)(sizeof(raw) / sizeof(raw[0])))
        want = (int)(sizeof(raw) / sizeof(raw[0]));
    int n = unw_backtrace_fn(raw, want);
    for (int i = 0; i < n && i < HANDLER_FRAMES_MAX; i++) {
        if ((uintptr_t)raw[i] != rip)
            continue;
        int depth = n - i < max ? n - i : max;
        for (int j = 0; j < depth; j++)
            pcs[j] = (uintptr_t)raw[i + j];
        return depth;
    }
    return -1;
}

int fp_unwind_from_signal(const void *ucontext, enum fp_unwind_mode mode, uintptr_t *pcs, int max)
{
    const ucontext_t *uc = ucontext;
    struct fp_self *self = fp_self();

    if (mode == FP_UNWIND_LIBUNWIND && unw_backtrace_fn) {
        if (self->in_loader || fp_loaderlock_busy() ||
            in_dynamic_loader((uintptr_t)uc->uc_mcontext.gregs[REG_RIP])) {
            atomic_fetch_add_explicit(&loader_fallbacks, 1, memory_order_relaxed);
        } else {
            enter_libunwind(self);
            int depth = unwind_libunwind_from_context(uc, pcs, max);
            leave_libunwind(self);
            if (depth > 0)
                return depth;
            atomic_fetch_add_explicit(&libunwind_failures, 1, memory_order_relaxed);
        }
    }
    return unwind_fp_from_context(uc, pcs, max);
}

__attribute__((noinline)) int fp_unwind_here(enum fp_unwind_mode mode, int skip, uintptr_t *pcs,
                                             int max)
{
    struct fp_self *self = fp_self();

    /* Also with the loader lock taken by another thread: it may be waiting
     * for libunwind's lock, which our unwind would take first. */
    if (mode == FP_UNWIND_LIBUNWIND && unw_backtrace_fn && !self->in_loader && !fp_loaderlock_busy()) {
        void *raw[FP_DEPTH_MAX + 8];
        int drop = 2 + skip; /* this function and its caller */
        int want = max + drop;
        if (want > (int)(sizeof(raw) / sizeof(raw[0])))
            want = (int)(sizeof(raw) / sizeof(raw[0]));
        enter_libunwind(self);
        int n = unw_backtrace_fn(raw, want);
        leave_libunwind(self);
        int depth = 0;
        for (int i = drop; i < n; i++)
            pcs[depth++] = (uintptr_t)raw[i];
        return depth;
    }
    uintptr_t tmp[FP_DEPTH_MAX + 8];
    int drop = 1 + skip; /* the caller's frame; this one has no return slot yet */
    int want = max + drop > (int)(sizeof(tmp) / sizeof(tmp[0])) ? (int)(sizeof(tmp) / sizeof(tmp[0]))
                                                                : max + drop;
    uintptr_t fp = (uintptr_t)__builtin_frame_address(0);
    int n = walk_frame_pointers(fp, fp, tmp, 0, want);
    int depth = 0;
    for (int i = drop; i < n; i++)
        pcs[depth++] = tmp[i];
    return depth;
}

__attribute__((noinline)) int fp_unwind_capture(enum fp_unwind_mode mode, const void *caller,
                                                uintptr_t *pcs, int max)
{
    uintptr_t raw[FP_DEPTH_MAX + 16];
    int want = max + 16 < (int)(sizeof(raw) / sizeof(raw[0])) ? max + 16
                                                              : (int)(sizeof(raw) / sizeof(raw[0]));
    struct fp_self *self = fp_self();
    /* An allocation by the dynamic loader may hold the loader's lock while
     * another thread, inside libunwind, holds libunwind's and waits for
     * the loader's: unwind such allocations with frame pointers only. */
    bool loader = fp_unwind_pc_in_loader((uintptr_t)caller);
    self->in_loader += loader;
    int n = fp_unwind_here(mode, 0, raw, want);
    self->in_loader -= loader;
    int start = 0;

    /* Drop our own frames: everything up to the interposer's return
     * address. If the unwinder missed it, keep the whole stack rather
     * than none. */
    for (int i = 0; i < n && i < 16; i++)
        if (raw[i] == (uintptr_t)caller) {
            start = i;
            break;
        }
    if (n - start < max)
        max = n - start;
    if (max <= 0) {
        pcs[0] = (uintptr_t)caller;
        return 1;
    }
    memcpy(pcs, &raw[start], (size_t)max * sizeof(*pcs));
    return max;
}

int fp_unwind_to_locations(uint64_t *addrs, const uintptr_t *pcs, int n, bool leaf_exact)
{
    int kept = 0;

    for (int i = 0; i < n; i++) {
        bool exact = i == 0 && leaf_exact;
        if (!exact && in_text(&self_text, pcs[i]))
            continue; /* a frame of flightprof's: the thread trampoline */
        addrs[kept++] = (uint64_t)pcs[i] - (exact ? 0 : 1);
    }
    return kept;
}

void fp_unwind_stats(struct fp_unwind_stats *out)
{
    out->loader_fallbacks = atomic_load(&loader_fallbacks);
    out->libunwind_failures = atomic_load(&libunwind_failures);
}
