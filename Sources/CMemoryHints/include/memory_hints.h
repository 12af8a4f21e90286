// Processor hints that Swift has no spelling for.
#ifndef TAKEOFF_MEMORY_HINTS_H
#define TAKEOFF_MEMORY_HINTS_H

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

#endif
