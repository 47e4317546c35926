// libFuzzer harness: the point-cloud and sensor files the product parses itself (media/points),
// each reader given the same bytes as a file: .xyz/.pts/.txt point lists, .obj vertices, the
// PLY and PCD header checks that run before PCL sees a file, and the IMU CSV. Any input must
// give data or a MediaError, never a crash or a read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string>

#include "media/media_error.h"
#include "media/points/imu_csv.h"
#include "media/points/pcl_header_checks.h"
#include "media/points/point_cloud_readers.h"
#include "memory_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const MemoryFile file(data, size);
    if (!file.ok()) return 0;
    const std::string path = file.path();
    using namespace ibllm::media;
    survive<MediaError>([&] { (void)detail::read_text_points(path); });
    survive<MediaError>([&] { (void)detail::read_obj_vertices(path); });
    survive<MediaError>([&] { detail::check_ply_header(path); });
    survive<MediaError>([&] { detail::check_pcd_header(path); });
    survive<MediaError>([&] { (void)load_imu_csv(path); });
    return 0;
}
