// libFuzzer harness: point-cloud files that go to PCL through the product's own wrappers
// (media/points): PLY and PCD (the header checks first, then PCL's readers), and .npy arrays.
// PCL's parsers are not ours, but a crash that reaches them through our wrapper is ours to
// guard: any input must give points or a MediaError.
#include <cstddef>
#include <cstdint>
#include <string>

#include "media/media_error.h"
#include "media/points/point_cloud_readers.h"
#include "memory_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const MemoryFile file(data, size);
    if (!file.ok()) return 0;
    const std::string path = file.path();
    using namespace ibllm::media;
    survive<MediaError>([&] { (void)detail::read_ply(path); });
    survive<MediaError>([&] { (void)detail::read_pcd(path); });
    survive<MediaError>([&] { (void)detail::read_npy_points(path); });
    return 0;
}
