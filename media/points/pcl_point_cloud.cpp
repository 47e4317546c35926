// .ply and .pcd through PCL. Both are read into a pcl::PCLPointCloud2, which keeps each
// field's stored type, so float64 coordinates arrive untouched (reading into
// pcl::PointXYZ would round them to float32 and lose the parity with open3d's float64).
#include <pcl/PCLPointCloud2.h>
#include <pcl/console/print.h>
#include <pcl/io/pcd_io.h>
#include <pcl/io/ply_io.h>

#include <cstring>
#include <string>

#include "media/media_error.h"
#include "media/points/pcl_header_checks.h"
#include "media/points/point_cloud_readers.h"

namespace ibllm::media::detail {
namespace {

const pcl::PCLPointField* find_field(const pcl::PCLPointCloud2& cloud, const char* name) {
    for (const auto& f : cloud.fields)
        if (f.name == name) return &f;
    return nullptr;
}

template <typename T>
double load_as(const uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return static_cast<double>(v);
}

double field_value(const uint8_t* p, uint8_t datatype) {
    switch (datatype) {
        case pcl::PCLPointField::INT8: return load_as<int8_t>(p);
        case pcl::PCLPointField::UINT8: return load_as<uint8_t>(p);
        case pcl::PCLPointField::INT16: return load_as<int16_t>(p);
        case pcl::PCLPointField::UINT16: return load_as<uint16_t>(p);
        case pcl::PCLPointField::INT32: return load_as<int32_t>(p);
        case pcl::PCLPointField::UINT32: return load_as<uint32_t>(p);
        case pcl::PCLPointField::INT64: return load_as<int64_t>(p);
        case pcl::PCLPointField::UINT64: return load_as<uint64_t>(p);
        case pcl::PCLPointField::FLOAT32: return load_as<float>(p);
        case pcl::PCLPointField::FLOAT64: return load_as<double>(p);
        default: return 0.0;
    }
}

size_t field_size(uint8_t datatype) {
    switch (datatype) {
        case pcl::PCLPointField::INT8: case pcl::PCLPointField::UINT8: return 1;
        case pcl::PCLPointField::INT16: case pcl::PCLPointField::UINT16: return 2;
        case pcl::PCLPointField::INT32: case pcl::PCLPointField::UINT32: case pcl::PCLPointField::FLOAT32: return 4;
        case pcl::PCLPointField::INT64: case pcl::PCLPointField::UINT64: case pcl::PCLPointField::FLOAT64: return 8;
        default: return 0;
    }
}

uint8_t to_byte(double v, bool unit_range) {
    const double scaled = unit_range ? v * 255.0 : v;
    return static_cast<uint8_t>(scaled <= 0 ? 0 : scaled >= 255 ? 255 : scaled + 0.5);
}

// Colours come either packed ("rgb"/"rgba": 0x00RRGGBB in 4 bytes, stored as float or
// uint32 — PCL's convention, and what its PLY reader makes of red/green/blue properties) or
// as separate channels (uchar 0..255, or float 0..1).
void extract_colours(const pcl::PCLPointCloud2& src, PointCloudData& out) {
    const auto at = [&](int64_t i) {
        const uint32_t w = src.width ? src.width : 1;
        return src.data.data() + (i / w) * src.row_step + (i % w) * src.point_step;
    };
    const pcl::PCLPointField* packed = find_field(src, "rgb");
    if (!packed) packed = find_field(src, "rgba");
    if (packed && field_size(packed->datatype) == 4) {
        out.rgb.resize(static_cast<size_t>(out.count) * 3);
        for (int64_t i = 0; i < out.count; ++i) {
            uint32_t v;
            std::memcpy(&v, at(i) + packed->offset, 4);
            out.rgb[i * 3 + 0] = (v >> 16) & 0xff;
            out.rgb[i * 3 + 1] = (v >> 8) & 0xff;
            out.rgb[i * 3 + 2] = v & 0xff;
        }
        return;
    }
    const pcl::PCLPointField* channel[3] = {find_field(src, "r"), find_field(src, "g"), find_field(src, "b")};
    if (!channel[0]) {
        channel[0] = find_field(src, "red");
        channel[1] = find_field(src, "green");
        channel[2] = find_field(src, "blue");
    }
    if (!channel[0] || !channel[1] || !channel[2]) return;
    const bool unit = channel[0]->datatype == pcl::PCLPointField::FLOAT32 ||
                      channel[0]->datatype == pcl::PCLPointField::FLOAT64;
    out.rgb.resize(static_cast<size_t>(out.count) * 3);
    for (int64_t i = 0; i < out.count; ++i)
        for (int k = 0; k < 3; ++k)
            out.rgb[i * 3 + k] = to_byte(field_value(at(i) + channel[k]->offset, channel[k]->datatype), unit);
}

PointCloudData convert(const std::string& path, const pcl::PCLPointCloud2& src) {
    const pcl::PCLPointField* axis[3] = {find_field(src, "x"), find_field(src, "y"), find_field(src, "z")};
    PointCloudData out;
    out.source_dtype = "float64";  // open3d returns float64 whatever the file stores
    const int64_t n = static_cast<int64_t>(src.width) * src.height;
    if (n == 0) return out;  // load_point_cloud() reports "contains no points"
    if (!axis[0] || !axis[1] || !axis[2])
        throw MediaError(path + " has no x, y and z fields, so it holds no point positions; export it again with vertex positions.");
    for (const auto* f : axis)
        if (field_size(f->datatype) == 0 || f->offset + field_size(f->datatype) > src.point_step)
            throw MediaError(path + " has a malformed field layout; export it again.");
    const uint64_t w = src.width ? src.width : 1;
    if (src.data.size() < (n - 1) / w * src.row_step + ((n - 1) % w + 1) * src.point_step)
        throw MediaError(path + " is truncated (fewer bytes than its header announces); copy or export it again.");

    out.count = n;
    out.xyz.resize(static_cast<size_t>(n) * 3);
    for (int64_t i = 0; i < n; ++i) {
        const uint8_t* point = src.data.data() + (i / w) * src.row_step + (i % w) * src.point_step;
        for (int k = 0; k < 3; ++k) out.xyz[i * 3 + k] = field_value(point + axis[k]->offset, axis[k]->datatype);
    }
    extract_colours(src, out);
    return out;
}

template <typename Reader>
PointCloudData read_with(const std::string& path, const char* format) {
    // PCL prints every unhandled PLY property and parse failure to stderr; the failures
    // become MediaErrors here, and the rest is noise to a desktop user.
    pcl::console::setVerbosityLevel(pcl::console::L_ALWAYS);
    pcl::PCLPointCloud2 cloud;
    int rc = -1;
    try {
        Reader reader;
        rc = reader.read(path, cloud);
    } catch (const std::exception& e) {
        throw MediaError(path + " could not be read as " + format + " (" + e.what() +
                         "); check that the file is complete and really a " + format + " file.");
    }
    if (rc < 0)
        throw MediaError(path + " could not be read as " + format +
                         "; check that the file is complete and really a " + format + " file.");
    return convert(path, cloud);
}

}  // namespace

PointCloudData read_ply(const std::string& path) {
    check_ply_header(path);  // PCL asserts (aborts) on some corrupt headers
    return read_with<pcl::PLYReader>(path, "PLY");
}
PointCloudData read_pcd(const std::string& path) {
    check_pcd_header(path);  // PCL's reader dereferences null on some corrupt headers
    return read_with<pcl::PCDReader>(path, "PCD");
}

}  // namespace ibllm::media::detail
