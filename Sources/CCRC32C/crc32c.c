// CRC-32C (Castagnoli) for Kafka record batches: CPU instructions when present, tables otherwise.
#include "CCRC32C.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define SLUICE_CRC_X86 1
#elif defined(__aarch64__)
#include <arm_acle.h>
#define SLUICE_CRC_ARM64 1
#if defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7)
#endif
#endif
#endif

// Reflected form of the Castagnoli polynomial 0x1EDC6F41.
#define CRC32C_POLY 0x82F63B78u

// ---------------------------------------------------------------------------------------------
// Portable path: slicing-by-8. table[k][b] is the CRC contribution of byte b followed by k zero
// bytes, so eight table lookups fold in eight input bytes at once.

static uint32_t crc_tables[8][256];
static pthread_once_t crc_tables_once = PTHREAD_ONCE_INIT;

static void build_crc_tables(void) {
    for (uint32_t b = 0; b < 256; b++) {
        uint32_t crc = b;
        for (int bit = 0; bit < 8; bit++) {
            crc = (crc & 1) ? (crc >> 1) ^ CRC32C_POLY : crc >> 1;
        }
        crc_tables[0][b] = crc;
    }
    for (uint32_t b = 0; b < 256; b++) {
        uint32_t crc = crc_tables[0][b];
        for (int k = 1; k < 8; k++) {
            crc = (crc >> 8) ^ crc_tables[0][crc & 0xFF];
            crc_tables[k][b] = crc;
        }
    }
}

uint32_t sluice_crc32c_sw(uint32_t crc, const void *data, size_t length) {
    pthread_once(&crc_tables_once, build_crc_tables);
    const uint8_t *p = (const uint8_t *)data;
    uint32_t c = ~crc;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (length > 0 && ((uintptr_t)p & 7) != 0) {
        c = crc_tables[0][(c ^ *p++) & 0xFF] ^ (c >> 8);
        length--;
    }
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        word ^= c;
        c = crc_tables[7][word & 0xFF] ^
            crc_tables[6][(word >> 8) & 0xFF] ^
            crc_tables[5][(word >> 16) & 0xFF] ^
            crc_tables[4][(word >> 24) & 0xFF] ^
            crc_tables[3][(word >> 32) & 0xFF] ^
            crc_tables[2][(word >> 40) & 0xFF] ^
            crc_tables[1][(word >> 48) & 0xFF] ^
            crc_tables[0][word >> 56];
        p += 8;
        length -= 8;
    }
#endif
    while (length > 0) {
        c = crc_tables[0][(c ^ *p++) & 0xFF] ^ (c >> 8);
        length--;
    }
    return ~c;
}

// ---------------------------------------------------------------------------------------------
// Combining independent streams. The CRC register update is linear over GF(2), so running a
// register c through n zero bytes is a fixed 32x32 bit matrix; shift_tables turn that matrix
// into four byte-indexed lookups. That lets the hardware path checksum three adjacent blocks at
// once (hiding the crc32 instruction's 3-cycle latency) and then join the three results:
//   crc(A B C) = shift(shift(crc(A)) ^ crc0(B)) ^ crc0(C),  crc0 = register started at 0.

#if defined(SLUICE_CRC_X86) && defined(__x86_64__)
#define CRC_LONG_BLOCK 4096
#define CRC_SHORT_BLOCK 256

static uint32_t shift_long[4][256];
static uint32_t shift_short[4][256];
static pthread_once_t shift_tables_once = PTHREAD_ONCE_INIT;

// Register `c` after `n` zero bytes (no pre/post inversion).
static uint32_t crc_through_zeros(uint32_t c, size_t n) {
    while (n-- > 0) {
        c = crc_tables[0][c & 0xFF] ^ (c >> 8);
    }
    return c;
}

static void build_shift_table(uint32_t table[4][256], size_t zeros) {
    uint32_t basis[32];
    for (int bit = 0; bit < 32; bit++) {
        basis[bit] = crc_through_zeros(1u << bit, zeros);
    }
    for (int k = 0; k < 4; k++) {
        for (uint32_t b = 0; b < 256; b++) {
            uint32_t value = 0;
            for (int j = 0; j < 8; j++) {
                if ((b >> j) & 1) {
                    value ^= basis[8 * k + j];
                }
            }
            table[k][b] = value;
        }
    }
}

static void build_shift_tables(void) {
    pthread_once(&crc_tables_once, build_crc_tables);
    build_shift_table(shift_long, CRC_LONG_BLOCK);
    build_shift_table(shift_short, CRC_SHORT_BLOCK);
}

static inline uint32_t crc_shift(const uint32_t table[4][256], uint32_t c) {
    return table[0][c & 0xFF] ^ table[1][(c >> 8) & 0xFF] ^ table[2][(c >> 16) & 0xFF] ^ table[3][c >> 24];
}
#endif

// ---------------------------------------------------------------------------------------------
// x86-64: the SSE4.2 crc32 instruction. Compiled for SSE4.2 only inside these functions, and
// only called after the CPU reported the feature, so the binary still runs on older CPUs.

#if defined(SLUICE_CRC_X86) && defined(__x86_64__)
// Checksums as many whole chunks of three `block`-byte streams as fit; advances p and length.
__attribute__((target("sse4.2")))
static inline uint64_t crc32c_sse42_three_streams(uint64_t c0, const uint8_t **p, size_t *length,
                                                   size_t block, const uint32_t table[4][256]) {
    const uint8_t *q = *p;
    size_t left = *length;
    while (left >= 3 * block) {
        uint64_t c1 = 0, c2 = 0;
        const uint8_t *end = q + block;
        do {
            uint64_t w0, w1, w2;
            memcpy(&w0, q, 8);
            memcpy(&w1, q + block, 8);
            memcpy(&w2, q + 2 * block, 8);
            c0 = _mm_crc32_u64(c0, w0);
            c1 = _mm_crc32_u64(c1, w1);
            c2 = _mm_crc32_u64(c2, w2);
            q += 8;
        } while (q < end);
        c0 = crc_shift(table, (uint32_t)c0) ^ (uint32_t)c1;
        c0 = crc_shift(table, (uint32_t)c0) ^ (uint32_t)c2;
        q += 2 * block;
        left -= 3 * block;
    }
    *p = q;
    *length = left;
    return c0;
}
#endif

#if defined(SLUICE_CRC_X86)
__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p, size_t length) {
    uint32_t c32 = ~crc;
    while (length > 0 && ((uintptr_t)p & 7) != 0) {
        c32 = _mm_crc32_u8(c32, *p++);
        length--;
    }
#if defined(__x86_64__)
    uint64_t c = c32;
    if (length >= 3 * CRC_SHORT_BLOCK) {
        pthread_once(&shift_tables_once, build_shift_tables);
        c = crc32c_sse42_three_streams(c, &p, &length, CRC_LONG_BLOCK, shift_long);
        c = crc32c_sse42_three_streams(c, &p, &length, CRC_SHORT_BLOCK, shift_short);
    }
    while (length >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c = _mm_crc32_u64(c, w);
        p += 8;
        length -= 8;
    }
    c32 = (uint32_t)c;
#else
    while (length >= 4) {
        uint32_t w;
        memcpy(&w, p, 4);
        c32 = _mm_crc32_u32(c32, w);
        p += 4;
        length -= 4;
    }
#endif
    while (length > 0) {
        c32 = _mm_crc32_u8(c32, *p++);
        length--;
    }
    return ~c32;
}
#endif

// ---------------------------------------------------------------------------------------------
// AArch64: the ARMv8 CRC32 extension (always present on Apple silicon, optional elsewhere).

#if defined(SLUICE_CRC_ARM64)
#if defined(__clang__)
#define SLUICE_TARGET_CRC __attribute__((target("crc")))
#else
#define SLUICE_TARGET_CRC __attribute__((target("+crc")))
#endif

SLUICE_TARGET_CRC
static uint32_t crc32c_armv8(uint32_t crc, const uint8_t *p, size_t length) {
    uint32_t c = ~crc;
    while (length > 0 && ((uintptr_t)p & 7) != 0) {
        c = __crc32cb(c, *p++);
        length--;
    }
    while (length >= 32) {
        uint64_t w0, w1, w2, w3;
        memcpy(&w0, p, 8);
        memcpy(&w1, p + 8, 8);
        memcpy(&w2, p + 16, 8);
        memcpy(&w3, p + 24, 8);
        c = __crc32cd(c, w0);
        c = __crc32cd(c, w1);
        c = __crc32cd(c, w2);
        c = __crc32cd(c, w3);
        p += 32;
        length -= 32;
    }
    while (length >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c = __crc32cd(c, w);
        p += 8;
        length -= 8;
    }
    while (length > 0) {
        c = __crc32cb(c, *p++);
        length--;
    }
    return ~c;
}
#endif

// ---------------------------------------------------------------------------------------------
// Dispatch. The CPU check is cached: -1 not yet known, 0 tables, 1 instructions. Racing first
// callers all compute the same answer, so relaxed atomics are enough.

static _Atomic int hw_state = -1;

static int detect_hw(void) {
#if defined(SLUICE_CRC_X86)
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
#elif defined(SLUICE_CRC_ARM64) && defined(__APPLE__)
    return 1;
#elif defined(SLUICE_CRC_ARM64) && defined(__linux__)
    return (getauxval(AT_HWCAP) & HWCAP_CRC32) ? 1 : 0;
#else
    return 0;
#endif
}

int sluice_crc32c_hw_available(void) {
    int state = atomic_load_explicit(&hw_state, memory_order_relaxed);
    if (state < 0) {
        state = detect_hw();
        atomic_store_explicit(&hw_state, state, memory_order_relaxed);
    }
    return state;
}

uint32_t sluice_crc32c(uint32_t crc, const void *data, size_t length) {
    if (length == 0) {
        return crc;
    }
#if defined(SLUICE_CRC_X86)
    if (sluice_crc32c_hw_available()) {
        return crc32c_sse42(crc, (const uint8_t *)data, length);
    }
#elif defined(SLUICE_CRC_ARM64)
    if (sluice_crc32c_hw_available()) {
        return crc32c_armv8(crc, (const uint8_t *)data, length);
    }
#endif
    return sluice_crc32c_sw(crc, data, length);
}
