// C++ allocations: new/delete, new[]/delete[] and aligned new reach the
// allocator wrappers. keep_objects keeps 1000 x 4096-byte arrays;
// churn_objects news and deletes 10000 vectors of 1000 ints; aligned_objects
// keeps 100 64-byte-aligned objects of 256 bytes (25600 B) and checks their
// alignment. Prints "ok".
#include <cstdint>
#include <cstdio>
#include <new>
#include <vector>

struct alignas(64) Aligned {
    unsigned char bytes[256];
};

static char *kept[1000];
static Aligned *kept_aligned[100];
// Escaping through a volatile keeps the compiler from eliding new/delete.
static std::vector<int> *volatile last_vector;

__attribute__((noinline)) void keep_objects()
{
    for (auto &p : kept)
        p = new char[4096];
}

__attribute__((noinline)) void churn_objects()
{
    for (int i = 0; i < 10000; i++) {
        last_vector = new std::vector<int>(1000);
        (*last_vector)[i % 1000] = i;
        delete last_vector;
    }
}

__attribute__((noinline)) bool aligned_objects()
{
    for (auto &p : kept_aligned) {
        p = new Aligned;
        if (reinterpret_cast<uintptr_t>(p) % 64 != 0)
            return false;
    }
    return true;
}

int main()
{
    keep_objects();
    churn_objects();
    if (!aligned_objects()) {
        std::printf("FAIL aligned new\n");
        return 1;
    }
    std::printf("ok\n");
    return 0;
}
