// Cache hints that Swift has no spelling for.
#ifndef TAKEOFF_MEMORY_HINTS_H
#define TAKEOFF_MEMORY_HINTS_H

/// Asks the processor to start loading the cache line holding `address` for reading. A hint only: it never
/// faults, whatever `address` is.
static inline void takeoff_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

#endif
