// The kernels behind the dispatch in dispatch.c, and what the processor has. Not part of the module's interface.
#ifndef TAKEOFF_LATTICE_KERNELS_H
#define TAKEOFF_LATTICE_KERNELS_H

#include "CLatticeHash.h"

#include <string.h>

// Which vector kernels this build has: the x86-64 ones are compiled with target attributes (the rest of the build
// keeps the baseline instruction set), the arm64 one for the base profile, which has Advanced SIMD.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define TAKEOFF_X86_KERNELS 1
#endif
#if defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))
#define TAKEOFF_ARM_KERNELS 1
#endif

/// Processor features the kernels need, as bits of `takeoff_processor_features()`.
enum {
    TAKEOFF_FEATURE_AVX2 = 1 << 0,    // AVX2, with the YMM state saved by the operating system
    TAKEOFF_FEATURE_AVX512F = 1 << 1, // AVX-512F, with the ZMM and mask state saved
    TAKEOFF_FEATURE_SHA_NI = 1 << 2,  // the SHA extensions, SSSE3 and SSE4.1
    TAKEOFF_FEATURE_NEON = 1 << 3,    // Advanced SIMD on arm64
};

/// The features of this processor, read once.
unsigned takeoff_processor_features(void);

void takeoff_portable_accumulate(const uint8_t *seeds, size_t count, size_t blocks, int subtract, uint64_t *lanes);

// Each vector kernel expands whole groups of its lane count and hands the remainder to the portable kernel.
void takeoff_avx2_accumulate(const uint8_t *seeds, size_t count, size_t blocks, int subtract, uint64_t *lanes);
void takeoff_avx512_accumulate(const uint8_t *seeds, size_t count, size_t blocks, int subtract, uint64_t *lanes);
void takeoff_neon_accumulate(const uint8_t *seeds, size_t count, size_t blocks, int subtract, uint64_t *lanes);

void takeoff_avx2_sha256_batch(const uint8_t *messages, const uint32_t *starts, const uint32_t *lengths, size_t count,
                               uint8_t *digests);
void takeoff_avx512_sha256_batch(const uint8_t *messages, const uint32_t *starts, const uint32_t *lengths, size_t count,
                                 uint8_t *digests);
void takeoff_neon_sha256_batch(const uint8_t *messages, const uint32_t *starts, const uint32_t *lengths, size_t count,
                               uint8_t *digests);
void takeoff_sha_ni_sha256_batch(const uint8_t *messages, const uint32_t *starts, const uint32_t *lengths, size_t count,
                                 uint8_t *digests);

/// SHA-256's round constants and initial state (FIPS 180-4, sections 4.2.2 and 5.3.3).
extern const uint32_t takeoff_sha256_round_constants[64];
extern const uint32_t takeoff_sha256_initial_state[8];

/// Pads a message of at most `TAKEOFF_PAIR_HASH_MAXIMUM_LENGTH` bytes into `buffer` (128 bytes) as SHA-256 does
/// and returns how many 64-byte blocks it fills: 1 or 2.
int takeoff_sha256_pad(const uint8_t *message, uint32_t length, uint8_t buffer[128]);

#endif
