// libFuzzer harness: the zip container of a .pth checkpoint (engine/checkpoint/zip_reader),
// read from a mapping as a real file is. Any input must give entries whose bytes lie inside
// the mapping, or an ibllm::Error, never a read outside it.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/checkpoint/mapped_file.h"
#include "engine/checkpoint/zip_reader.h"
#include "engine/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    (void)ibllm::is_legacy_torch_file(data, size);
    (void)ibllm::starts_like_zip(data, size);
    const int fd = ::memfd_create("fuzz.pth", 0);
    if (fd < 0) return 0;
    if (size > 0 && ::write(fd, data, size) != static_cast<ssize_t>(size)) {
        ::close(fd);
        return 0;
    }
    try {
        ibllm::ZipReader zip(ibllm::MappedFile::open("/proc/self/fd/" + std::to_string(fd)));
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
    ::close(fd);
    return 0;
}
