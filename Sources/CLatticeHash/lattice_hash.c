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

#ifdef TAKEOFF_HAVE_AVX512_KERNEL
static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
    0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
    0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
    0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
static const uint32_t sha256_initial[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                           0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

/// One SHA-256 compression of 16 independent states (lane k of each vector is message k's).
AVX512 static void sha256_compress16(__m512i state[8], const uint32_t words[16][16]) {
    __m512i w[64];
    for (int t = 0; t < 16; t++) w[t] = _mm512_loadu_si512((const void *)words[t]);
    for (int t = 16; t < 64; t++) {
        __m512i s0 = _mm512_xor_si512(_mm512_xor_si512(_mm512_ror_epi32(w[t - 15], 7), _mm512_ror_epi32(w[t - 15], 18)),
                                      _mm512_srli_epi32(w[t - 15], 3));
        __m512i s1 = _mm512_xor_si512(_mm512_xor_si512(_mm512_ror_epi32(w[t - 2], 17), _mm512_ror_epi32(w[t - 2], 19)),
                                      _mm512_srli_epi32(w[t - 2], 10));
        w[t] = _mm512_add_epi32(_mm512_add_epi32(w[t - 16], s0), _mm512_add_epi32(w[t - 7], s1));
    }
    __m512i a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6], h = state[7];
    for (int t = 0; t < 64; t++) {
        __m512i big1 = _mm512_xor_si512(_mm512_xor_si512(_mm512_ror_epi32(e, 6), _mm512_ror_epi32(e, 11)), _mm512_ror_epi32(e, 25));
        __m512i choose = _mm512_ternarylogic_epi32(e, f, g, 0xCA);
        __m512i t1 = _mm512_add_epi32(_mm512_add_epi32(h, big1),
                                      _mm512_add_epi32(choose, _mm512_add_epi32(_mm512_set1_epi32((int)sha256_k[t]), w[t])));
        __m512i big0 = _mm512_xor_si512(_mm512_xor_si512(_mm512_ror_epi32(a, 2), _mm512_ror_epi32(a, 13)), _mm512_ror_epi32(a, 22));
        __m512i t2 = _mm512_add_epi32(big0, _mm512_ternarylogic_epi32(a, b, c, 0xE8));
        h = g; g = f; f = e; e = _mm512_add_epi32(d, t1);
        d = c; c = b; b = a; a = _mm512_add_epi32(t1, t2);
    }
    __m512i result[8] = {a, b, c, d, e, f, g, h};
    for (int i = 0; i < 8; i++) state[i] = _mm512_add_epi32(state[i], result[i]);
}

AVX512 static void sha256_x16_avx512(const uint8_t *messages, const uint32_t starts[16], const uint32_t lengths[16], uint8_t *digests) {
    // Padded messages, transposed: words[block][word][lane].
    uint32_t words[2][16][16];
    __mmask16 two_blocks = 0;
    for (int k = 0; k < 16; k++) {
        uint8_t buffer[128];
        memset(buffer, 0, sizeof buffer);
        uint32_t length = lengths[k];
        memcpy(buffer, messages + starts[k], length);
        buffer[length] = 0x80;
        int count = length <= 55 ? 1 : 2;
        if (count == 2) two_blocks |= (__mmask16)(1u << k);
        uint64_t bits = (uint64_t)length * 8;
        for (int i = 0; i < 8; i++) buffer[64 * count - 1 - i] = (uint8_t)(bits >> (8 * i));
        for (int block = 0; block < 2; block++) {
            for (int t = 0; t < 16; t++) {
                uint32_t word;
                memcpy(&word, buffer + 64 * block + 4 * t, 4);
                words[block][t][k] = __builtin_bswap32(word);
            }
        }
    }
    __m512i state[8];
    for (int i = 0; i < 8; i++) state[i] = _mm512_set1_epi32((int)sha256_initial[i]);
    sha256_compress16(state, words[0]);
    if (two_blocks) {
        __m512i second[8];
        memcpy(second, state, sizeof second);
        sha256_compress16(second, words[1]);
        for (int i = 0; i < 8; i++) state[i] = _mm512_mask_blend_epi32(two_blocks, state[i], second[i]);
    }
    uint32_t out[8][16];
    for (int i = 0; i < 8; i++) _mm512_storeu_si512((void *)out[i], state[i]);
    for (int k = 0; k < 16; k++) {
        for (int i = 0; i < 8; i++) {
            uint32_t word = __builtin_bswap32(out[i][k]);
            memcpy(digests + 32 * k + 4 * i, &word, 4);
        }
    }
}
#endif

int takeoff_sha256_x16_available(void) {
#ifdef TAKEOFF_HAVE_AVX512_KERNEL
    return !forced_portable && __builtin_cpu_supports("avx512f");
#else
    return 0;
#endif
}

void takeoff_sha256_x16(const uint8_t *messages, const uint32_t starts[16], const uint32_t lengths[16], uint8_t *digests) {
#ifdef TAKEOFF_HAVE_AVX512_KERNEL
    sha256_x16_avx512(messages, starts, lengths, digests);
#else
    (void)messages; (void)starts; (void)lengths; (void)digests;
#endif
}

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
