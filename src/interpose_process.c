/*
 * fork and exec wrappers: they only tell the flight recorder. What a fork
 * child must reset is done by the pthread_atfork hooks (init.c), which
 * also run for forks that do not come through this wrapper; an exec'd
 * program is profiled again through the environment it inherits.
 *
 * Signal context: none.
 */
#include <unistd.h>

#include "interpose.h"
#include "recorder.h"

static __typeof__(fork) *FP_REAL(fork);
static __typeof__(execve) *FP_REAL(execve);
static __typeof__(execv) *FP_REAL(execv);
static __typeof__(execvp) *FP_REAL(execvp);
static __typeof__(execvpe) *FP_REAL(execvpe);

FP_EXPORT pid_t fork(void)
{
    pid_t child = FP_RESOLVE(fork)();

    if (child > 0)
        fp_recorder_fork(child);
    return child;
}

FP_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
    fp_recorder_exec(path);
    return FP_RESOLVE(execve)(path, argv, envp);
}

FP_EXPORT int execv(const char *path, char *const argv[])
{
    fp_recorder_exec(path);
    return FP_RESOLVE(execv)(path, argv);
}

FP_EXPORT int execvp(const char *file, char *const argv[])
{
    fp_recorder_exec(file);
    return FP_RESOLVE(execvp)(file, argv);
}

FP_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
    fp_recorder_exec(file);
    return FP_RESOLVE(execvpe)(file, argv, envp);
}
