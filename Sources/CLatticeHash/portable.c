// The portable kernel: ChaCha20 one block at a time in plain C (the reference the vector kernels are tested
// against), and what every SHA-256 kernel shares: the constants and the padding.
#include "kernels.h"


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

void takeoff_portable_accumulate(const uint8_t *seeds, size_t count, size_t blocks, int subtract, uint64_t *lanes) {
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

const uint32_t takeoff_sha256_round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
    0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
    0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
    0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

const uint32_t takeoff_sha256_initial_state[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                                  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

int takeoff_sha256_pad(const uint8_t *message, uint32_t length, uint8_t buffer[128]) {
    int blocks = length <= 55 ? 1 : 2;
    memset(buffer, 0, 64 * (size_t)blocks);
    memcpy(buffer, message, length);
    buffer[length] = 0x80;
    uint64_t bits = (uint64_t)length * 8;
    for (int i = 0; i < 8; i++) buffer[64 * blocks - 1 - i] = (uint8_t)(bits >> (8 * i));
    return blocks;
}
