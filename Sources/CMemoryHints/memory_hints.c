// The cache and spin hints are inline functions in the header; the table allocator lives here.
#include "memory_hints.h"

#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

enum {
    huge_page_bytes = 2 * 1024 * 1024,
    // Below this, a table fits in few enough pages that huge ones would mostly waste memory.
    huge_page_threshold = 4 * huge_page_bytes,
};

void *takeoff_allocate_table(size_t bytes) {
    void *memory = NULL;
    size_t alignment = bytes >= huge_page_threshold ? huge_page_bytes : 64;
    if (posix_memalign(&memory, alignment, bytes == 0 ? 1 : bytes) != 0) return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    // Advice only: where transparent huge pages are off, the memory simply stays in small pages.
    if (bytes >= huge_page_threshold) (void)madvise(memory, bytes, MADV_HUGEPAGE);
#endif
    return memory;
}

void takeoff_free_table(void *memory) { free(memory); }
