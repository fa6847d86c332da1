/*
 * fork and exec wrappers: they only tell the flight recorder, when it
 * asked for them (hooks.h). What a fork child must reset is done by the
 * engines' fork hooks (init.c, through pthread_atfork), which also run for
 * forks that do not come through this wrapper; an exec'd program is
 * profiled again through the environment it inherits.
 *
 * Signal context: none.
 */
#include <unistd.h>

#include "hooks.h"
#include "interpose.h"
#include "recorder.h"

static __typeof__(fork) *FP_REAL(fork);
static __typeof__(execve) *FP_REAL(execve);
static __typeof__(execv) *FP_REAL(execv);
static __typeof__(execvp) *FP_REAL(execvp);
static __typeof__(execvpe) *FP_REAL(execvpe);

static void exec_event(const char *path)
{
    if (fp_hooks_feeds(FP_HOOK_PROCESS))
        fp_recorder_exec(path);
}

FP_EXPORT pid_t fork(void)
{
    pid_t child = FP_RESOLVE(fork)();

    if (child > 0 && fp_hooks_feeds(FP_HOOK_PROCESS))
        fp_recorder_fork(child);
    return child;
}

FP_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
    exec_event(path);
    return FP_RESOLVE(execve)(path, argv, envp);
}

FP_EXPORT int execv(const char *path, char *const argv[])
{
    exec_event(path);
    return FP_RESOLVE(execv)(path, argv);
}

FP_EXPORT int execvp(const char *file, char *const argv[])
{
    exec_event(file);
    return FP_RESOLVE(execvp)(file, argv);
}

FP_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
    exec_event(file);
    return FP_RESOLVE(execvpe)(file, argv, envp);
}
