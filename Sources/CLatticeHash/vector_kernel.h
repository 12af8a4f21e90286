// The vector kernels, written once over vectors of LANES 32-bit words (GCC and Clang vector extensions, which the
// compiler lowers to the instruction set of the including file's target). Lane k of every vector belongs to seed or
// message k, so the same code serves 4, 8 or 16 lanes and needs no shuffles. A kernel file defines LANES and
// KERNEL(name), sets its target for every function (a pragma), and includes this file once.
#include "kernels.h"


#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the vector kernels load little-endian words"
#endif

typedef uint32_t word_vector __attribute__((vector_size(4 * LANES)));

static inline word_vector load_column(const uint8_t *base, size_t stride, size_t offset) {
    uint32_t column[LANES];
    for (int k = 0; k < LANES; k++) memcpy(&column[k], base + stride * k + offset, 4);
    word_vector vector;
    memcpy(&vector, column, sizeof vector);
    return vector;
}

// ---- ChaCha20 expansion ----------------------------------------------------------------------------------------

static inline word_vector rotate_left(word_vector v, int n) { return (v << n) | (v >> (32 - n)); }

#define VECTOR_QUARTER(a, b, c, d)                     \
    a += b; d = rotate_left(d ^ a, 16);                 \
    c += d; b = rotate_left(b ^ c, 12);                 \
    a += b; d = rotate_left(d ^ a, 8);                  \
    c += d; b = rotate_left(b ^ c, 7);

/// The running sums of one keystream block's 8 lanes over the groups expanded so far, per SIMD lane. A lane's
/// 64-bit value is word 2j | word 2j+1 << 32, so its sum mod 2^64 is (the exact sum of the low words) + (the sum of
/// the high words mod 2^32) << 32: the low words keep a 32-bit sum and a count of its carries, the high words a
/// plain 32-bit sum.
typedef struct {
    word_vector low[8], carries[8], high[8];
} block_sums;

/// Expands LANES seeds (32 bytes each, consecutive) for `blocks` keystream blocks into `sums`.
static void expand_group(const uint8_t *seeds, size_t blocks, block_sums *sums) {
    word_vector key[8];
    for (int w = 0; w < 8; w++) key[w] = load_column(seeds, 32, 4 * (size_t)w);
    const word_vector zero = {0};
    for (size_t b = 0; b < blocks; b++) {
        const word_vector input[16] = {zero + 0x61707865u, zero + 0x3320646eu, zero + 0x79622d32u, zero + 0x6b206574u,
                                       key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7],
                                       zero + (uint32_t)b, zero, zero, zero};
        word_vector x0 = input[0], x1 = input[1], x2 = input[2], x3 = input[3], x4 = input[4], x5 = input[5],
                    x6 = input[6], x7 = input[7], x8 = input[8], x9 = input[9], x10 = input[10], x11 = input[11],
                    x12 = input[12], x13 = input[13], x14 = input[14], x15 = input[15];
        for (int round = 0; round < 10; round++) {
            VECTOR_QUARTER(x0, x4, x8, x12);
            VECTOR_QUARTER(x1, x5, x9, x13);
            VECTOR_QUARTER(x2, x6, x10, x14);
            VECTOR_QUARTER(x3, x7, x11, x15);
            VECTOR_QUARTER(x0, x5, x10, x15);
            VECTOR_QUARTER(x1, x6, x11, x12);
            VECTOR_QUARTER(x2, x7, x8, x13);
            VECTOR_QUARTER(x3, x4, x9, x14);
        }
        const word_vector x[16] = {x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15};
        block_sums *sum = &sums[b];
        for (int j = 0; j < 8; j++) {
            word_vector low = x[2 * j] + input[2 * j];
            sum->low[j] += low;
            sum->carries[j] -= (word_vector)(sum->low[j] < low);  // a true comparison is all ones: minus -1
            sum->high[j] += x[2 * j + 1] + input[2 * j + 1];
        }
    }
}

void KERNEL(accumulate)(const uint8_t *seeds, size_t count, size_t blocks, int subtract, uint64_t *lanes) {
    if (count < LANES) {  // no whole group (a single insert): nothing to sum across lanes
        takeoff_portable_accumulate(seeds, count, blocks, subtract, lanes);
        return;
    }
    size_t whole = count / LANES * LANES;
    block_sums sums[TAKEOFF_MAXIMUM_VECTOR_BLOCKS];
    memset(sums, 0, sizeof(block_sums) * blocks);
    for (size_t i = 0; i < whole; i += LANES) expand_group(seeds + 32 * i, blocks, sums);
    for (size_t b = 0; b < blocks; b++) {
        for (int j = 0; j < 8; j++) {
            uint64_t value = 0;
            for (int k = 0; k < LANES; k++) {
                value += (uint64_t)sums[b].low[j][k] + ((uint64_t)(uint32_t)(sums[b].carries[j][k] + sums[b].high[j][k]) << 32);
            }
            lanes[8 * b + j] = subtract ? lanes[8 * b + j] - value : lanes[8 * b + j] + value;
        }
    }
    takeoff_portable_accumulate(seeds + 32 * whole, count - whole, blocks, subtract, lanes);
}

// ---- SHA-256 of LANES messages -----------------------------------------------------------------------------------

static inline word_vector rotate_right(word_vector v, int n) { return (v >> n) | (v << (32 - n)); }

/// Little-endian loads of big-endian words, turned around.
static inline word_vector big_endian(word_vector words) {
    return (words >> 24) | ((words >> 8) & 0xFF00u) | ((words << 8) & 0xFF0000u) | (words << 24);
}

/// One SHA-256 compression of LANES states by LANES message blocks (big-endian words, already loaded).
static void compress(word_vector state[8], const word_vector block[16]) {
    word_vector w[64];
    for (int t = 0; t < 16; t++) w[t] = block[t];
    for (int t = 16; t < 64; t++) {
        word_vector s0 = rotate_right(w[t - 15], 7) ^ rotate_right(w[t - 15], 18) ^ (w[t - 15] >> 3);
        word_vector s1 = rotate_right(w[t - 2], 17) ^ rotate_right(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    word_vector a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6],
                h = state[7];
    for (int t = 0; t < 64; t++) {
        word_vector big1 = rotate_right(e, 6) ^ rotate_right(e, 11) ^ rotate_right(e, 25);
        word_vector choose = (e & f) ^ (~e & g);
        word_vector t1 = h + big1 + choose + takeoff_sha256_round_constants[t] + w[t];
        word_vector big0 = rotate_right(a, 2) ^ rotate_right(a, 13) ^ rotate_right(a, 22);
        word_vector majority = (a & b) ^ (a & c) ^ (b & c);
        word_vector t2 = big0 + majority;
        h = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    state[0] += a; state[1] += b; state[2] += c; state[3] += d;
    state[4] += e; state[5] += f; state[6] += g; state[7] += h;
}

/// Hashes the LANES messages named by `members` (indices into `starts` and `lengths`), writing each digest to
/// `digests + 32 * member`. A member may repeat: its digest is written twice, the same.
static void hash_group(const uint8_t *messages, const uint32_t *starts, const uint32_t *lengths,
                       const size_t members[LANES], uint8_t *digests) {
    uint8_t padded[LANES][128];
    word_vector two_blocks = {0};
    int any_two = 0;
    for (int k = 0; k < LANES; k++) {
        int blocks = takeoff_sha256_pad(messages + starts[members[k]], lengths[members[k]], padded[k]);
        two_blocks[k] = blocks == 2 ? 0xFFFFFFFFu : 0;
        any_two |= blocks == 2;
    }
    word_vector state[8];
    const word_vector zero = {0};
    for (int i = 0; i < 8; i++) state[i] = zero + takeoff_sha256_initial_state[i];
    word_vector block[16];
    for (int t = 0; t < 16; t++) {
        block[t] = big_endian(load_column(&padded[0][0], 128, 4 * (size_t)t));
    }
    compress(state, block);
    if (any_two) {
        word_vector second[8];
        memcpy(second, state, sizeof second);
        for (int t = 0; t < 16; t++) {
            block[t] = big_endian(load_column(&padded[0][0], 128, 64 + 4 * (size_t)t));
        }
        compress(second, block);
        for (int i = 0; i < 8; i++) state[i] = (second[i] & two_blocks) | (state[i] & ~two_blocks);
    }
    for (int k = 0; k < LANES; k++) {
        uint8_t *digest = digests + 32 * members[k];
        for (int i = 0; i < 8; i++) {
            uint32_t word = state[i][k];
            digest[4 * i] = (uint8_t)(word >> 24);
            digest[4 * i + 1] = (uint8_t)(word >> 16);
            digest[4 * i + 2] = (uint8_t)(word >> 8);
            digest[4 * i + 3] = (uint8_t)word;
        }
    }
}

void KERNEL(sha256_batch)(const uint8_t *messages, const uint32_t *starts, const uint32_t *lengths, size_t count,
                          uint8_t *digests) {
    size_t members[LANES];
    int filled = 0;
    for (size_t i = 0; i < count; i++) {
        if (lengths[i] > TAKEOFF_PAIR_HASH_MAXIMUM_LENGTH) continue;
        members[filled++] = i;
        if (filled == LANES) {
            hash_group(messages, starts, lengths, members, digests);
            filled = 0;
        }
    }
    if (filled == 0) return;
    // The last group's empty lanes repeat its first member.
    for (int k = filled; k < LANES; k++) members[k] = members[0];
    hash_group(messages, starts, lengths, members, digests);
}
