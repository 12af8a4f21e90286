// The vector kernels for x86-64 with AVX-512F: 16 seeds or messages across 512-bit lanes.
#include "kernels.h"

#ifdef TAKEOFF_X86_KERNELS
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f")
#endif
#define LANES 16
#define KERNEL(name) takeoff_avx512_##name
#include "vector_kernel.h"
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif
