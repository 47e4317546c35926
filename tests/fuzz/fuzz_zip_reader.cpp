// libFuzzer harness: the zip container of a .pth checkpoint (engine/checkpoint/zip_reader),
// read from a mapping as a real file is. Any input must give entries whose bytes lie inside
// the mapping, or an ibllm::Error, never a read outside it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/checkpoint/mapped_file.h"
#include "engine/checkpoint/zip_reader.h"
#include "engine/error.h"
#include "memory_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    (void)ibllm::is_legacy_torch_file(data, size);
    (void)ibllm::starts_like_zip(data, size);
    const MemoryFile file(data, size);
    if (!file.ok()) return 0;
    try {
        ibllm::ZipReader zip(ibllm::MappedFile::open(file.path()));
        for (const ibllm::ZipEntry& e : zip.entries()) {
            if (zip.find(e.name) == nullptr) __builtin_trap();  // every listed entry is found by name
            try {
                const uint8_t* p = zip.data(e);
                volatile uint8_t sink = 0;
                if (e.size > 0) sink = sink + p[0] + p[e.size - 1];  // ASan checks both ends
                (void)zip.crc_matches(e);
            } catch (const ibllm::Error&) {
            }
        }
    } catch (const ibllm::Error&) {
    }
    return 0;
}
