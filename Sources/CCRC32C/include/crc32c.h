#ifndef LOGPORT_CRC32C_H
#define LOGPORT_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/// CRC-32C (Castagnoli), as record batch v2 uses it. `crc` is the running value
/// (0 to start); hardware crc32 instructions when the CPU has them, slicing-by-8 otherwise.
uint32_t logport_crc32c(uint32_t crc, const void *data, size_t length);

/// 1 when the hardware path is in use.
int logport_crc32c_is_hardware(void);

#endif
