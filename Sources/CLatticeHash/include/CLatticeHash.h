#ifndef TAKEOFF_LATTICE_HASH_H
#define TAKEOFF_LATTICE_HASH_H

#include <stddef.h>
#include <stdint.h>

// The state commitment's kernels: the SHA-256 of pair messages and the ChaCha20 expansion of their digests summed
// into 64-bit lanes. Every kernel gives the same bits; which ones the processor can run is checked at run time
// (CPUID and the registers the operating system saves, or the auxiliary vector), and no entry point here executes
// an instruction of a kernel the processor lacks: asked to, it aborts with a message instead.

/// The kernels that expand seeds into lanes.
typedef enum {
    /// Plain C, one seed at a time: every processor.
    TAKEOFF_EXPANSION_PORTABLE = 0,
    /// 8 seeds at a time across 256-bit lanes (x86-64 with AVX2).
    TAKEOFF_EXPANSION_AVX2 = 1,
    /// 16 seeds at a time across 512-bit lanes (x86-64 with AVX-512F).
    TAKEOFF_EXPANSION_AVX512 = 2,
    /// 4 seeds at a time across 128-bit lanes (arm64).
    TAKEOFF_EXPANSION_NEON = 3,
} takeoff_expansion_kernel;

/// The kernels that hash pair messages in C. The portable hashing is swift-crypto's, called from Swift.
typedef enum {
    /// Two messages at a time with the SHA extensions (x86-64 with SHA-NI, SSSE3 and SSE4.1).
    TAKEOFF_PAIR_HASH_SHA_NI = 1,
    /// 8 messages at a time across 256-bit lanes.
    TAKEOFF_PAIR_HASH_AVX2 = 2,
    /// 16 messages at a time across 512-bit lanes.
    TAKEOFF_PAIR_HASH_AVX512 = 3,
    /// 4 messages at a time across 128-bit lanes.
    TAKEOFF_PAIR_HASH_NEON = 4,
} takeoff_pair_hash_kernel;

/// Whether this build has `kernel` and this processor can run it.
int takeoff_expansion_supported(takeoff_expansion_kernel kernel);

/// Whether this build has `kernel` and this processor can run it.
int takeoff_pair_hash_supported(takeoff_pair_hash_kernel kernel);

/// The ChaCha20 block function of RFC 8439, section 2.3: 16 little-endian words of keystream.
void takeoff_chacha20_block(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3], uint32_t out[16]);

/// Adds (or, with `subtract`, subtracts) lane-wise into `lanes` (`8 * blocks` 64-bit lanes) the ChaCha20
/// expansions of `count` 32-byte seeds: seed i is a ChaCha20 key, the nonce is zero, and block b of its
/// keystream gives lanes 8b..8b+7 (lane 8b+j = word 2j | word 2j+1 << 32). The vector kernels expand many seeds
/// at once and leave a remainder (and more than `TAKEOFF_MAXIMUM_VECTOR_BLOCKS` blocks) to the portable one.
void takeoff_lattice_accumulate(takeoff_expansion_kernel kernel, const uint8_t *seeds, size_t count, size_t blocks,
                                int subtract, uint64_t *lanes);

/// The most keystream blocks per seed the vector kernels keep sums for (the commitment uses 10).
#define TAKEOFF_MAXIMUM_VECTOR_BLOCKS 16

/// The longest message the C hash kernels take: two SHA-256 blocks with the padding.
#define TAKEOFF_PAIR_HASH_MAXIMUM_LENGTH 119

/// SHA-256 of every message of at most `TAKEOFF_PAIR_HASH_MAXIMUM_LENGTH` bytes among `count`: message i is
/// `messages[starts[i] ..< starts[i] + lengths[i]]` and its digest goes to `digests + 32 * i`. Longer messages are
/// left for the caller (their digests untouched).
void takeoff_pair_hash_batch(takeoff_pair_hash_kernel kernel, const uint8_t *messages, const uint32_t *starts,
                             const uint32_t *lengths, size_t count, uint8_t *digests);

#endif
