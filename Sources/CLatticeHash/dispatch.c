// The entry points: each call names its kernel, checked against the processor before anything runs.
#include "kernels.h"

#include <stdio.h>
#include <stdlib.h>

static int has(unsigned feature) { return (takeoff_processor_features() & feature) != 0; }

int takeoff_expansion_supported(takeoff_expansion_kernel kernel) {
    switch (kernel) {
    case TAKEOFF_EXPANSION_PORTABLE: return 1;
#ifdef TAKEOFF_X86_KERNELS
    case TAKEOFF_EXPANSION_AVX2: return has(TAKEOFF_FEATURE_AVX2);
    case TAKEOFF_EXPANSION_AVX512: return has(TAKEOFF_FEATURE_AVX512F);
#endif
#ifdef TAKEOFF_ARM_KERNELS
    case TAKEOFF_EXPANSION_NEON: return has(TAKEOFF_FEATURE_NEON);
#endif
    default: return 0;
    }
}

int takeoff_pair_hash_supported(takeoff_pair_hash_kernel kernel) {
    switch (kernel) {
#ifdef TAKEOFF_X86_KERNELS
    case TAKEOFF_PAIR_HASH_SHA_NI: return has(TAKEOFF_FEATURE_SHA_NI);
    case TAKEOFF_PAIR_HASH_AVX2: return has(TAKEOFF_FEATURE_AVX2);
    case TAKEOFF_PAIR_HASH_AVX512: return has(TAKEOFF_FEATURE_AVX512F);
#endif
#ifdef TAKEOFF_ARM_KERNELS
    case TAKEOFF_PAIR_HASH_NEON: return has(TAKEOFF_FEATURE_NEON);
#endif
    default: return 0;
    }
}

/// A kernel the processor lacks would die of SIGILL somewhere inside it; stopping here says why.
static void refuse(const char *part, int kernel) {
    fprintf(stderr, "takeoff: the %s kernel %d is not available on this processor or in this build\n", part, kernel);
    abort();
}

void takeoff_lattice_accumulate(takeoff_expansion_kernel kernel, const uint8_t *seeds, size_t count, size_t blocks,
                                int subtract, uint64_t *lanes) {
    if (!takeoff_expansion_supported(kernel)) refuse("expansion", kernel);
    if (blocks > TAKEOFF_MAXIMUM_VECTOR_BLOCKS) kernel = TAKEOFF_EXPANSION_PORTABLE;
    switch (kernel) {
#ifdef TAKEOFF_X86_KERNELS
    case TAKEOFF_EXPANSION_AVX2: takeoff_avx2_accumulate(seeds, count, blocks, subtract, lanes); return;
    case TAKEOFF_EXPANSION_AVX512: takeoff_avx512_accumulate(seeds, count, blocks, subtract, lanes); return;
#endif
#ifdef TAKEOFF_ARM_KERNELS
    case TAKEOFF_EXPANSION_NEON: takeoff_neon_accumulate(seeds, count, blocks, subtract, lanes); return;
#endif
    default: takeoff_portable_accumulate(seeds, count, blocks, subtract, lanes); return;
    }
}

void takeoff_pair_hash_batch(takeoff_pair_hash_kernel kernel, const uint8_t *messages, const uint32_t *starts,
                             const uint32_t *lengths, size_t count, uint8_t *digests) {
    if (!takeoff_pair_hash_supported(kernel)) refuse("pair hash", kernel);
    switch (kernel) {
#ifdef TAKEOFF_X86_KERNELS
    case TAKEOFF_PAIR_HASH_SHA_NI: takeoff_sha_ni_sha256_batch(messages, starts, lengths, count, digests); return;
    case TAKEOFF_PAIR_HASH_AVX2: takeoff_avx2_sha256_batch(messages, starts, lengths, count, digests); return;
    case TAKEOFF_PAIR_HASH_AVX512: takeoff_avx512_sha256_batch(messages, starts, lengths, count, digests); return;
#endif
#ifdef TAKEOFF_ARM_KERNELS
    case TAKEOFF_PAIR_HASH_NEON: takeoff_neon_sha256_batch(messages, starts, lengths, count, digests); return;
#endif
    default: refuse("pair hash", kernel);
    }
}
