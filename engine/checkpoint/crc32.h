#pragma once
// CRC-32 (the zip / zlib polynomial), so the zip reader can check data.pkl and the writer
// can fill in the zip directory without linking zlib.
#include <cstddef>
#include <cstdint>

namespace ibllm {

// Continues a CRC over more bytes; start with crc = 0.
uint32_t crc32_update(uint32_t crc, const void* data, size_t size);

}  // namespace ibllm
