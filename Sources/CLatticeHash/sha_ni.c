// SHA-256 with the x86 SHA extensions, two messages at a time: each SHA256RNDS2 does two rounds on a state held as
// the halves ABEF and CDGH, and SHA256MSG1/MSG2 extend the message schedule four words at a time.
#include "kernels.h"

#ifdef TAKEOFF_X86_KERNELS
#include <immintrin.h>

#define SHA_NI __attribute__((target("sha,ssse3,sse4.1")))

/// The running state of one message: SHA-256's A..H held as the halves ABEF and CDGH, as SHA256RNDS2 takes them.
typedef struct {
    __m128i abef, cdgh;
} sha_state;

/// Loads 16 big-endian words.
SHA_NI static inline __m128i load_words(const uint8_t *data) {
    const __m128i byte_swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    return _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)data), byte_swap);
}

/// W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16] for four t at once, from the four groups before.
SHA_NI static inline __m128i schedule(__m128i w16, __m128i w12, __m128i w8, __m128i w4) {
    __m128i partial = _mm_sha256msg1_epu32(w16, w12);
    partial = _mm_add_epi32(partial, _mm_alignr_epi8(w4, w8, 4));
    return _mm_sha256msg2_epu32(partial, w4);
}

/// Four rounds.
SHA_NI static inline void rounds(sha_state *state, __m128i words, int group) {
    __m128i message = _mm_add_epi32(words, _mm_loadu_si128((const __m128i *)&takeoff_sha256_round_constants[4 * group]));
    state->cdgh = _mm_sha256rnds2_epu32(state->cdgh, state->abef, message);
    state->abef = _mm_sha256rnds2_epu32(state->abef, state->cdgh, _mm_shuffle_epi32(message, 0x0E));
}

/// One 64-byte block into each of two states, the two dependency chains interleaved: a round's latency is several
/// times its throughput, so one message alone would leave the unit idle most of the time.
SHA_NI static void compress_two(sha_state *first, const uint8_t *first_data, sha_state *second, const uint8_t *second_data) {
    const sha_state first_saved = *first, second_saved = *second;
    __m128i a[16], b[16];
    for (int group = 0; group < 16; group++) {
        if (group < 4) {
            a[group] = load_words(first_data + 16 * group);
            b[group] = load_words(second_data + 16 * group);
        } else {
            a[group] = schedule(a[group - 4], a[group - 3], a[group - 2], a[group - 1]);
            b[group] = schedule(b[group - 4], b[group - 3], b[group - 2], b[group - 1]);
        }
        rounds(first, a[group], group);
        rounds(second, b[group], group);
    }
    first->abef = _mm_add_epi32(first->abef, first_saved.abef);
    first->cdgh = _mm_add_epi32(first->cdgh, first_saved.cdgh);
    second->abef = _mm_add_epi32(second->abef, second_saved.abef);
    second->cdgh = _mm_add_epi32(second->cdgh, second_saved.cdgh);
}

SHA_NI static sha_state initial_state(void) {
    const uint32_t *h = takeoff_sha256_initial_state;  // lanes from high to low
    return (sha_state){_mm_set_epi32((int)h[0], (int)h[1], (int)h[4], (int)h[5]), _mm_set_epi32((int)h[2], (int)h[3], (int)h[6], (int)h[7])};
}

SHA_NI static void store_digest(sha_state state, uint8_t digest[32]) {
    uint32_t abef[4], cdgh[4];
    _mm_storeu_si128((__m128i *)abef, state.abef);
    _mm_storeu_si128((__m128i *)cdgh, state.cdgh);
    // Lane 3 holds A (or C), lane 0 holds F (or H).
    const uint32_t words[8] = {abef[3], abef[2], cdgh[3], cdgh[2], abef[1], abef[0], cdgh[1], cdgh[0]};
    for (int i = 0; i < 8; i++) {
        digest[4 * i] = (uint8_t)(words[i] >> 24);
        digest[4 * i + 1] = (uint8_t)(words[i] >> 16);
        digest[4 * i + 2] = (uint8_t)(words[i] >> 8);
        digest[4 * i + 3] = (uint8_t)words[i];
    }
}

/// Two messages at once (the same one twice when it has no partner). A message of one block rides along as a
/// dummy in the other's second block, its result discarded.
SHA_NI static void hash_two(const uint8_t *first, uint32_t first_length, uint8_t *first_digest, const uint8_t *second,
                            uint32_t second_length, uint8_t *second_digest) {
    uint8_t first_padded[128], second_padded[128];
    int first_blocks = takeoff_sha256_pad(first, first_length, first_padded);
    int second_blocks = takeoff_sha256_pad(second, second_length, second_padded);
    sha_state a = initial_state(), b = initial_state();
    compress_two(&a, first_padded, &b, second_padded);
    if (first_blocks == 2 || second_blocks == 2) {
        sha_state a_next = a, b_next = b;
        compress_two(&a_next, first_blocks == 2 ? first_padded + 64 : second_padded + 64, &b_next,
                     second_blocks == 2 ? second_padded + 64 : first_padded + 64);
        if (first_blocks == 2) a = a_next;
        if (second_blocks == 2) b = b_next;
    }
    store_digest(a, first_digest);
    store_digest(b, second_digest);
}

void takeoff_sha_ni_sha256_batch(const uint8_t *messages, const uint32_t *starts, const uint32_t *lengths, size_t count,
                                 uint8_t *digests) {
    size_t waiting = count;  // an eligible message without a partner yet, or `count` for none
    for (size_t i = 0; i < count; i++) {
        if (lengths[i] > TAKEOFF_PAIR_HASH_MAXIMUM_LENGTH) continue;
        if (waiting == count) {
            waiting = i;
            continue;
        }
        hash_two(messages + starts[waiting], lengths[waiting], digests + 32 * waiting, messages + starts[i], lengths[i],
                 digests + 32 * i);
        waiting = count;
    }
    if (waiting != count) {
        const uint8_t *message = messages + starts[waiting];
        hash_two(message, lengths[waiting], digests + 32 * waiting, message, lengths[waiting], digests + 32 * waiting);
    }
}
#endif
