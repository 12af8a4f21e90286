#ifndef TAKEOFF_LATTICE_HASH_H
#define TAKEOFF_LATTICE_HASH_H

#include <stddef.h>
#include <stdint.h>

/// The ChaCha20 block function of RFC 8439, section 2.3: 16 little-endian words of keystream.
void takeoff_chacha20_block(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3], uint32_t out[16]);

/// Adds (or, with `subtract`, subtracts) lane-wise into `lanes` (`8 * blocks` 64-bit lanes) the ChaCha20
/// expansions of `count` 32-byte seeds: seed i is a ChaCha20 key, the nonce is zero, and block b of its
/// keystream gives lanes 8b..8b+7 (lane 8b+j = word 2j | word 2j+1 << 32). Many seeds are expanded at once
/// across the SIMD lanes when the processor has AVX-512; the result is the same on every path.
void takeoff_lattice_accumulate(const uint8_t *seeds, size_t count, size_t blocks, int subtract, uint64_t *lanes);

/// Which kernel `takeoff_lattice_accumulate` uses on this processor: "avx512" or "portable".
const char *takeoff_lattice_kernel(void);

/// Forces the portable kernel (nonzero) or lets the processor decide (zero), for tests and benchmarks.
void takeoff_lattice_force_portable(int portable);

#endif
