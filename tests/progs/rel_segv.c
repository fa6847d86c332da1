/* Writes "x" to stderr, then dies of SIGSEGV (a store to address 0x10): a
 * stand-in for CPython's faulthandler tests, which compare a crashing
 * program's stderr byte for byte. Usage: rel_segv */
#include <stdint.h>
#include <unistd.h>

int main(void)
{
    if (write(STDERR_FILENO, "x", 1) != 1)
        return 2;
    *(volatile int *)(uintptr_t)0x10 = 1;
    return 0;
}
