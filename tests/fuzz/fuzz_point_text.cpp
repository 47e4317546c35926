// libFuzzer harness: the point-cloud and sensor files the product parses itself (media/points),
// each reader given the same bytes as a file: .xyz/.pts/.txt point lists, .obj vertices, the
// PLY and PCD header checks that run before PCL sees a file, and the IMU CSV. Any input must
// give data or a MediaError, never a crash or a read out of bounds.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "media/media_error.h"
#include "media/points/imu_csv.h"
#include "media/points/pcl_header_checks.h"
#include "media/points/point_cloud_readers.h"

namespace {

template <class Read>
void survive(Read read) {
    try {
        read();
    } catch (const ibllm::media::MediaError&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const int fd = ::memfd_create("fuzz-points", 0);
    if (fd < 0) return 0;
    if (size > 0 && ::write(fd, data, size) != static_cast<ssize_t>(size)) {
        ::close(fd);
        return 0;
    }
    const std::string path = "/proc/self/fd/" + std::to_string(fd);
    using namespace ibllm::media;
    survive([&] { (void)detail::read_text_points(path); });
    survive([&] { (void)detail::read_obj_vertices(path); });
    survive([&] { detail::check_ply_header(path); });
    survive([&] { detail::check_pcd_header(path); });
    survive([&] { (void)load_imu_csv(path); });
    ::close(fd);
    return 0;
}
