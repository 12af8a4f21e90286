// The vector kernels for arm64 (Advanced SIMD, in every arm64 processor): 4 seeds or messages across 128-bit lanes.
#include "kernels.h"

#ifdef TAKEOFF_ARM_KERNELS
#define LANES 4
#define KERNEL(name) takeoff_neon_##name
#include "vector_kernel.h"
#endif
