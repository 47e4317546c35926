// load_point_cloud(): picks the reader for a file name and applies the checks every format
// shares. The readers themselves are in *_point_cloud.cpp.
#include "media/points/point_cloud_file.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sys/stat.h>

#include "media/media_error.h"
#include "media/points/point_cloud_readers.h"

namespace ibllm::media {
namespace {

enum class Format { Ply, Pts, Pcd, Xyz, Pt, Npy, Obj, Txt, Unknown };

std::string lower_file_name(const std::string& path) {
    const size_t slash = path.find_last_of('/');
    std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    return name;
}

Format format_of(const std::string& path) {
    const std::string name = lower_file_name(path);
    static const std::pair<const char*, Format> by_extension[] = {
        {".ply", Format::Ply}, {".pts", Format::Pts}, {".pcd", Format::Pcd}, {".xyz", Format::Xyz},
        {".pt", Format::Pt},   {".npy", Format::Npy}, {".obj", Format::Obj}, {".txt", Format::Txt}};
    const size_t dot = name.find_last_of('.');
    if (dot != std::string::npos)
        for (const auto& [ext, format] : by_extension)
            if (name.compare(dot, std::string::npos, ext) == 0) return format;
    // The reference's rule: the first of these substrings found anywhere in the name wins
    // (so ".pts" must be tested before ".pt").
    for (const auto& [ext, format] : by_extension)
        if (name.find(ext) != std::string::npos) return format;
    return Format::Unknown;
}

}  // namespace

PointCloudData load_point_cloud(const std::string& path) {
    const Format format = format_of(path);
    if (format == Format::Unknown)
        throw MediaError(path + " is not a point-cloud file this program reads; use .ply, .pcd, .xyz, .pts, .txt, .obj, .npy or .pt.");
    if (format == Format::Pt)
        throw MediaError(path + " is a PyTorch tensor file; it is loaded through the model engine, not as a media file.");

    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw MediaError(path + " does not exist; check the path.");
    if (S_ISDIR(st.st_mode)) throw MediaError(path + " is a folder, not a file; choose a file inside it.");
    if (st.st_size == 0) throw MediaError(path + " contains no points (the file is empty).");

    PointCloudData cloud;
    switch (format) {
        case Format::Ply: cloud = detail::read_ply(path); break;
        case Format::Pcd: cloud = detail::read_pcd(path); break;
        case Format::Pts:
        case Format::Xyz:
        case Format::Txt: cloud = detail::read_text_points(path); break;
        case Format::Obj: cloud = detail::read_obj_vertices(path); break;
        case Format::Npy: cloud = detail::read_npy_points(path); break;
        default: break;
    }
    if (cloud.count == 0) throw MediaError(path + " contains no points.");

    cloud.non_finite = 0;
    for (int64_t i = 0; i < cloud.count; ++i) {
        const double* p = &cloud.xyz[i * 3];
        if (!std::isfinite(p[0]) || !std::isfinite(p[1]) || !std::isfinite(p[2])) ++cloud.non_finite;
    }
    return cloud;
}

}  // namespace ibllm::media
