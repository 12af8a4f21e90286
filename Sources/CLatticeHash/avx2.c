// The vector kernels for x86-64 with AVX2: 8 seeds or messages across 256-bit lanes.
#include "kernels.h"

#ifdef TAKEOFF_X86_KERNELS
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2")
#endif
#define LANES 8
#define KERNEL(name) takeoff_avx2_##name
#include "vector_kernel.h"
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif
