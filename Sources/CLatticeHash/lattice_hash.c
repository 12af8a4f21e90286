// The vectorized kernel of the state commitment: ChaCha20 keystreams of many seeds at once, summed into
// 64-bit lanes. A portable path is always there; the AVX-512 path is compiled for that target only and
// chosen at run time.
#include "CLatticeHash.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define TAKEOFF_HAVE_AVX512_KERNEL 1
#endif

static const uint32_t sigma[4] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};

#define ROTL32(v, n) (((v) << (n)) | ((v) >> (32 - (n))))
#define QUARTER(a, b, c, d)                                   \
    a += b; d ^= a; d = ROTL32(d, 16);                        \
    c += d; b ^= c; b = ROTL32(b, 12);                        \
    a += b; d ^= a; d = ROTL32(d, 8);                         \
    c += d; b ^= c; b = ROTL32(b, 7);

void takeoff_chacha20_block(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3], uint32_t out[16]) {
    uint32_t input[16] = {sigma[0], sigma[1], sigma[2], sigma[3], key[0], key[1], key[2], key[3],
                          key[4],   key[5],   key[6],   key[7],   counter, nonce[0], nonce[1], nonce[2]};
    uint32_t x[16];
    memcpy(x, input, sizeof x);
    for (int round = 0; round < 10; round++) {
        QUARTER(x[0], x[4], x[8], x[12]);
        QUARTER(x[1], x[5], x[9], x[13]);
        QUARTER(x[2], x[6], x[10], x[14]);
        QUARTER(x[3], x[7], x[11], x[15]);
        QUARTER(x[0], x[5], x[10], x[15]);
        QUARTER(x[1], x[6], x[11], x[12]);
        QUARTER(x[2], x[7], x[8], x[13]);
        QUARTER(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; i++) out[i] = x[i] + input[i];
}

static uint32_t load_le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void accumulate_portable(const uint8_t *seeds, size_t count, size_t blocks, int subtract, uint64_t *lanes) {
    static const uint32_t zero_nonce[3] = {0, 0, 0};
    for (size_t i = 0; i < count; i++) {
        uint32_t key[8];
        for (int w = 0; w < 8; w++) key[w] = load_le32(seeds + 32 * i + 4 * w);
        for (size_t b = 0; b < blocks; b++) {
            uint32_t words[16];
            takeoff_chacha20_block(key, (uint32_t)b, zero_nonce, words);
            for (int j = 0; j < 8; j++) {
                uint64_t value = (uint64_t)words[2 * j] | (uint64_t)words[2 * j + 1] << 32;
                lanes[8 * b + j] = subtract ? lanes[8 * b + j] - value : lanes[8 * b + j] + value;
            }
        }
    }
}

#ifdef TAKEOFF_HAVE_AVX512_KERNEL
#define AVX512 __attribute__((target("avx512f")))

#define VQUARTER(a, b, c, d)                                                              \
    a = _mm512_add_epi32(a, b); d = _mm512_rol_epi32(_mm512_xor_si512(d, a), 16);        \
    c = _mm512_add_epi32(c, d); b = _mm512_rol_epi32(_mm512_xor_si512(b, c), 12);        \
    a = _mm512_add_epi32(a, b); d = _mm512_rol_epi32(_mm512_xor_si512(d, a), 8);         \
    c = _mm512_add_epi32(c, d); b = _mm512_rol_epi32(_mm512_xor_si512(b, c), 7);

/// 16 seeds at a time: SIMD lane k of every vector belongs to seed k. The 16 seeds' words are summed as
/// 64-bit values in `sums` (two vectors of 8 per output word), so no transposition is needed.
AVX512 static void accumulate16(const uint8_t *seeds, size_t blocks, __m512i *sums) {
    const __m512i index = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                             _mm512_set1_epi32(8));
    __m512i key[8];
    for (int w = 0; w < 8; w++) key[w] = _mm512_i32gather_epi32(_mm512_add_epi32(index, _mm512_set1_epi32(w)), seeds, 4);
    for (size_t b = 0; b < blocks; b++) {
        __m512i input[16] = {_mm512_set1_epi32((int)sigma[0]), _mm512_set1_epi32((int)sigma[1]),
                             _mm512_set1_epi32((int)sigma[2]), _mm512_set1_epi32((int)sigma[3]),
                             key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7],
                             _mm512_set1_epi32((int)b), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
        __m512i x0 = input[0], x1 = input[1], x2 = input[2], x3 = input[3], x4 = input[4], x5 = input[5], x6 = input[6],
                x7 = input[7], x8 = input[8], x9 = input[9], x10 = input[10], x11 = input[11], x12 = input[12],
                x13 = input[13], x14 = input[14], x15 = input[15];
        for (int round = 0; round < 10; round++) {
            VQUARTER(x0, x4, x8, x12);
            VQUARTER(x1, x5, x9, x13);
            VQUARTER(x2, x6, x10, x14);
            VQUARTER(x3, x7, x11, x15);
            VQUARTER(x0, x5, x10, x15);
            VQUARTER(x1, x6, x11, x12);
            VQUARTER(x2, x7, x8, x13);
            VQUARTER(x3, x4, x9, x14);
        }
        __m512i x[16] = {x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15};
        for (int w = 0; w < 16; w++) {
            __m512i word = _mm512_add_epi32(x[w], input[w]);
            __m512i low = _mm512_cvtepu32_epi64(_mm512_castsi512_si256(word));
            __m512i high = _mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64(word, 1));
            sums[16 * b + w] = _mm512_add_epi64(sums[16 * b + w], _mm512_add_epi64(low, high));
        }
    }
}

/// The most keystream blocks per seed the vector path keeps sums for (Takeoff's layout uses 10).
#define TAKEOFF_MAXIMUM_VECTOR_BLOCKS 16

AVX512 static void accumulate_avx512(const uint8_t *seeds, size_t count, size_t blocks, int subtract, uint64_t *lanes) {
    size_t whole = count / 16 * 16;
    __m512i sums[16 * TAKEOFF_MAXIMUM_VECTOR_BLOCKS];
    for (size_t i = 0; i < 16 * blocks; i++) sums[i] = _mm512_setzero_si512();
    for (size_t i = 0; i < whole; i += 16) accumulate16(seeds + 32 * i, blocks, sums);
    for (size_t b = 0; b < blocks; b++) {
        for (int j = 0; j < 8; j++) {
            // Each 64-bit sum holds at most count * 2^32, so the low and high words combine exactly mod 2^64.
            uint64_t value = (uint64_t)_mm512_reduce_add_epi64(sums[16 * b + 2 * j]) +
                             ((uint64_t)_mm512_reduce_add_epi64(sums[16 * b + 2 * j + 1]) << 32);
            lanes[8 * b + j] = subtract ? lanes[8 * b + j] - value : lanes[8 * b + j] + value;
        }
    }
    accumulate_portable(seeds + 32 * whole, count - whole, blocks, subtract, lanes);
}
#endif

// Set only by tests and benchmarks before they hash.
static int forced_portable = 0;

void takeoff_lattice_force_portable(int portable) { forced_portable = portable; }

static int use_avx512(void) {
#ifdef TAKEOFF_HAVE_AVX512_KERNEL
    return !forced_portable && __builtin_cpu_supports("avx512f");
#else
    return 0;
#endif
}

const char *takeoff_lattice_kernel(void) { return use_avx512() ? "avx512" : "portable"; }

void takeoff_lattice_accumulate(const uint8_t *seeds, size_t count, size_t blocks, int subtract, uint64_t *lanes) {
#ifdef TAKEOFF_HAVE_AVX512_KERNEL
    if (use_avx512() && count >= 16 && blocks <= TAKEOFF_MAXIMUM_VECTOR_BLOCKS) {
        accumulate_avx512(seeds, count, blocks, subtract, lanes);
        return;
    }
#endif
    accumulate_portable(seeds, count, blocks, subtract, lanes);
}
