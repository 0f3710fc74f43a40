#ifndef SLUICE_CCRC32C_H
#define SLUICE_CCRC32C_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) of `length` bytes at `data`.
///
/// `crc` is the value returned by a previous call over the preceding bytes (0 to start), so a
/// checksum can be computed in pieces: crc(a + b) == sluice_crc32c(sluice_crc32c(0, a), b).
/// Uses the SSE4.2 or ARMv8 CRC32 instructions when the CPU has them, a table otherwise.
uint32_t sluice_crc32c(uint32_t crc, const void *data, size_t length);

/// Same result as `sluice_crc32c`, always computed with the portable slicing-by-8 tables
/// (lets tests compare the hardware path against an independent implementation).
uint32_t sluice_crc32c_sw(uint32_t crc, const void *data, size_t length);

/// 1 when `sluice_crc32c` uses CPU instructions on this machine, 0 when it uses the tables.
int sluice_crc32c_hw_available(void);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_CCRC32C_H */
