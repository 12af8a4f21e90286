// Processor hints that Swift has no spelling for.
#ifndef TAKEOFF_MEMORY_HINTS_H
#define TAKEOFF_MEMORY_HINTS_H

#include <stddef.h>

/// Asks the processor to start loading the cache line holding `address` for reading. A hint only: it never
/// faults, whatever `address` is.
static inline void takeoff_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

/// Tells the processor that the thread is spinning on a lock: it yields the core's resources to its sibling
/// and saves power for a few cycles.
static inline void takeoff_spin_wait(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/// Allocates `bytes` (uninitialized) for a large table that is probed at random: aligned to 2 MiB and, on
/// Linux, advised to be backed by transparent huge pages, so that random probes do not miss the TLB on
/// every access. Small sizes get ordinary cache-line-aligned memory. Returns NULL when out of memory.
///
/// A table of a size freed recently comes back from a small cache of freed tables whose pages are still
/// mapped: the executors make tables of the same sizes block after block, and on the machines we measure a
/// page touched for the first time costs far more than the work done in it (the system zeroes it, and a
/// virtual machine's host may have to supply it). The cache holds at most `takeoff_table_cache_bytes`.
/// Release with `takeoff_free_table`, passing the same `bytes`.
void *takeoff_allocate_table(size_t bytes);

/// Releases memory from `takeoff_allocate_table(bytes)`, into the cache of freed tables when it fits there.
void takeoff_free_table(void *memory, size_t bytes);

/// The most bytes of freed tables the cache keeps mapped (the oldest go first).
extern const size_t takeoff_table_cache_bytes;

/// The bytes of freed tables the cache holds now (for tests and metrics).
size_t takeoff_table_cache_held_bytes(void);

#endif
