// What the processor can run, asked once: CPUID and XGETBV on x86-64 (an instruction set counts only when the
// operating system also saves its registers across context switches), the auxiliary vector on Linux/arm64.
#include "kernels.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>

static uint64_t saved_register_state(void) {
    uint32_t low, high;
    __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
    return (uint64_t)high << 32 | low;
}

static unsigned read_features(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    int ssse3 = (ecx >> 9) & 1, sse41 = (ecx >> 19) & 1, osxsave = (ecx >> 27) & 1, avx = (ecx >> 28) & 1;
    unsigned features = 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    int avx2 = (ebx >> 5) & 1, avx512f = (ebx >> 16) & 1, sha = (ebx >> 29) & 1;
    if (sha && ssse3 && sse41) features |= TAKEOFF_FEATURE_SHA_NI;
    if (osxsave && avx) {
        uint64_t state = saved_register_state();
        int ymm = (state & 0x6) == 0x6;       // SSE and AVX state
        int zmm = (state & 0xE6) == 0xE6;     // and the opmask and both halves of ZMM
        if (ymm && avx2) features |= TAKEOFF_FEATURE_AVX2;
        if (zmm && avx512f) features |= TAKEOFF_FEATURE_AVX512F;
    }
    return features;
}
#elif defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1 << 1)
#endif
static unsigned read_features(void) { return (getauxval(AT_HWCAP) & HWCAP_ASIMD) ? TAKEOFF_FEATURE_NEON : 0; }
#elif defined(__aarch64__)
// Advanced SIMD is part of every arm64 processor Apple ships, and of the base AArch64 profile.
static unsigned read_features(void) { return TAKEOFF_FEATURE_NEON; }
#else
static unsigned read_features(void) { return 0; }
#endif

unsigned takeoff_processor_features(void) {
    // Reading twice from two threads gives the same bits, so a plain cache is enough; bit 31 marks it filled.
    static unsigned cached = 0;
    unsigned features = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (!features) {
        features = read_features() | 1u << 31;
        __atomic_store_n(&cached, features, __ATOMIC_RELAXED);
    }
    return features & ~(1u << 31);
}
