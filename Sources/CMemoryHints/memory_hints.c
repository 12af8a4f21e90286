// The cache and spin hints are inline functions in the header; the table allocator lives here.
#include "memory_hints.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

enum {
    huge_page_bytes = 2 * 1024 * 1024,
    // Below this, a table fits in few enough pages that huge ones would mostly waste memory.
    huge_page_threshold = 4 * huge_page_bytes,
    // Below this, the C library's own free lists already keep the memory; above it, a freed block goes back
    // to the system and its pages must be faulted in again.
    cache_minimum_bytes = 256 * 1024,
    cache_slots = 16,
};

// A block's tables (the overlay, the multi-version memory, the dependency tables) are a few MiB to a few tens
// of MiB each at 10,000 transactions; a table larger than this is one that grew, not one made again, so it is
// not worth holding.
const size_t takeoff_table_cache_bytes = (size_t)256 << 20;
static const size_t cache_largest_block = (size_t)64 << 20;

typedef struct {
    void *memory;
    size_t bytes;
    uint64_t freed_at;
} cached_table;

// Tables are made and freed on every worker thread, but only a few times per block: one lock is enough.
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static cached_table cache[cache_slots];
static size_t cache_held_bytes;
static uint64_t cache_clock;

static void *allocate_fresh(size_t bytes) {
    void *memory = NULL;
    size_t alignment = bytes >= huge_page_threshold ? huge_page_bytes : 64;
    if (posix_memalign(&memory, alignment, bytes == 0 ? 1 : bytes) != 0) return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    // Advice only: where transparent huge pages are off, the memory simply stays in small pages.
    if (bytes >= huge_page_threshold) (void)madvise(memory, bytes, MADV_HUGEPAGE);
#endif
    return memory;
}

static int is_cacheable(size_t bytes) { return bytes >= cache_minimum_bytes && bytes <= cache_largest_block; }

void *takeoff_allocate_table(size_t bytes) {
    if (is_cacheable(bytes)) {
        void *reused = NULL;
        pthread_mutex_lock(&cache_lock);
        for (int slot = 0; slot < cache_slots; slot++) {
            if (cache[slot].memory != NULL && cache[slot].bytes == bytes) {
                reused = cache[slot].memory;
                cache[slot].memory = NULL;
                cache_held_bytes -= bytes;
                break;
            }
        }
        pthread_mutex_unlock(&cache_lock);
        if (reused != NULL) return reused;
    }
    return allocate_fresh(bytes);
}

void takeoff_free_table(void *memory, size_t bytes) {
    if (memory == NULL) return;
    if (!is_cacheable(bytes)) {
        free(memory);
        return;
    }
    // Evicted blocks are freed after the lock is released: returning them to the system takes a while.
    void *evicted[cache_slots];
    int evicted_count = 0;
    pthread_mutex_lock(&cache_lock);
    for (;;) {
        int free_slot = -1, oldest = -1;
        for (int slot = 0; slot < cache_slots; slot++) {
            if (cache[slot].memory == NULL) {
                if (free_slot < 0) free_slot = slot;
            } else if (oldest < 0 || cache[slot].freed_at < cache[oldest].freed_at) {
                oldest = slot;
            }
        }
        if (free_slot >= 0 && cache_held_bytes + bytes <= takeoff_table_cache_bytes) {
            cache[free_slot] = (cached_table){memory, bytes, ++cache_clock};
            cache_held_bytes += bytes;
            break;
        }
        evicted[evicted_count++] = cache[oldest].memory;
        cache_held_bytes -= cache[oldest].bytes;
        cache[oldest].memory = NULL;
    }
    pthread_mutex_unlock(&cache_lock);
    for (int index = 0; index < evicted_count; index++) free(evicted[index]);
}

size_t takeoff_table_cache_held_bytes(void) {
    pthread_mutex_lock(&cache_lock);
    size_t held = cache_held_bytes;
    pthread_mutex_unlock(&cache_lock);
    return held;
}
