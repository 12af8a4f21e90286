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
/// Allocates `bytes` (uninitialized) for a large table that is probed at random: aligned to 2 MiB and, on
/// Linux, advised to be backed by transparent huge pages, so that random probes do not miss the TLB on
/// every access. Small sizes get ordinary cache-line-aligned memory. Returns NULL when out of memory.
/// Release with `takeoff_free_table`.
void *takeoff_allocate_table(size_t bytes);

/// Releases memory from `takeoff_allocate_table`.
void takeoff_free_table(void *memory);

#endif
}

/// Allocates `bytes` (uninitialized) for a large table that is probed at random: aligned to 2 MiB and, on
/// Linux, advised to be backed by transparent huge pages, so that random probes do not miss the TLB on
/// every access. Small sizes get ordinary cache-line-aligned memory. Returns NULL when out of memory.
/// Release with `takeoff_free_table`.
void *takeoff_allocate_table(size_t bytes);

/// Releases memory from `takeoff_allocate_table`.
void takeoff_free_table(void *memory);

#endif
