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

/// The longest message `takeoff_sha256_x16` takes: two SHA-256 blocks with the padding.
#define TAKEOFF_SHA256_X16_MAXIMUM_LENGTH 119

/// Whether `takeoff_sha256_x16` may be called on this processor (AVX-512, and not forced portable).
int takeoff_sha256_x16_available(void);

/// SHA-256 of 16 messages at once across AVX-512 lanes: message i is `messages[starts[i] ..< starts[i] +
/// lengths[i]]`, at most `TAKEOFF_SHA256_X16_MAXIMUM_LENGTH` bytes; digest i goes to `digests + 32 * i`.
/// Call only when `takeoff_sha256_x16_available()`.
void takeoff_sha256_x16(const uint8_t *messages, const uint32_t starts[16], const uint32_t lengths[16], uint8_t *digests);

/// Which kernel `takeoff_lattice_accumulate` uses on this processor: "avx512" or "portable".
const char *takeoff_lattice_kernel(void);

/// Forces the portable kernel (nonzero) or lets the processor decide (zero), for tests and benchmarks.
void takeoff_lattice_force_portable(int portable);

#endif
