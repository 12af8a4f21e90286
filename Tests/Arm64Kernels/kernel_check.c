// Checks the NEON kernels on arm64 (run under emulation by Scripts/arm64-kernels.sh on other machines): the
// expansion against the portable one, in C; the hashing by printing each digest for the script to compare with
// Python's hashlib. Messages and seeds come from a xorshift generator the script repeats.
#include "kernels.h"

#include <stdio.h>

static uint64_t state = 0x9E3779B97F4A7C15ULL;
static uint8_t next_byte(void) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return (uint8_t)state;
}

int main(void) {
    if (!takeoff_expansion_supported(TAKEOFF_EXPANSION_NEON) || !takeoff_pair_hash_supported(TAKEOFF_PAIR_HASH_NEON)) {
        fprintf(stderr, "kernel_check: the NEON kernels are not available here\n");
        return 1;
    }
    enum { seeds = 1003, blocks = 10, messages = 300 };
    static uint8_t seed_bytes[seeds * 32];
    for (size_t i = 0; i < sizeof seed_bytes; i++) seed_bytes[i] = next_byte();
    int failures = 0;
    for (size_t count = 0; count <= seeds; count += count < 20 ? 1 : 197) {
        uint64_t portable[8 * blocks], neon[8 * blocks];
        for (int i = 0; i < 8 * blocks; i++) portable[i] = neon[i] = (uint64_t)i * 0x9E3779B97F4A7C15ULL;
        takeoff_lattice_accumulate(TAKEOFF_EXPANSION_PORTABLE, seed_bytes, count, blocks, 0, portable);
        takeoff_lattice_accumulate(TAKEOFF_EXPANSION_PORTABLE, seed_bytes, count / 2, blocks, 1, portable);
        takeoff_lattice_accumulate(TAKEOFF_EXPANSION_NEON, seed_bytes, count, blocks, 0, neon);
        takeoff_lattice_accumulate(TAKEOFF_EXPANSION_NEON, seed_bytes, count / 2, blocks, 1, neon);
        if (memcmp(portable, neon, sizeof neon) != 0) {
            fprintf(stderr, "kernel_check: the NEON expansion of %zu seeds differs from the portable one\n", count);
            failures++;
        }
    }
    // Every length from 0 to 9 bytes past the limit, twice over, in one batch.
    static uint8_t bytes[messages * (TAKEOFF_PAIR_HASH_MAXIMUM_LENGTH + 10)];
    uint32_t starts[messages], lengths[messages], offset = 0;
    for (int i = 0; i < messages; i++) {
        lengths[i] = (uint32_t)(i % (TAKEOFF_PAIR_HASH_MAXIMUM_LENGTH + 10));
        starts[i] = offset;
        for (uint32_t j = 0; j < lengths[i]; j++) bytes[offset++] = next_byte();
    }
    static uint8_t digests[messages * 32];
    memset(digests, 0, sizeof digests);
    takeoff_pair_hash_batch(TAKEOFF_PAIR_HASH_NEON, bytes, starts, lengths, messages, digests);
    for (int i = 0; i < messages; i++) {
        printf("%u ", lengths[i]);
        for (int j = 0; j < 32; j++) printf("%02x", digests[32 * i + j]);
        printf("\n");
    }
    return failures ? 1 : 0;
}
