#include "app/attachment_types.h"

#include <algorithm>
#include <cctype>

namespace ibllm::app {

std::vector<std::string> attachment_extensions(Modality modality) {
    switch (modality) {
        case Modality::Image: return {"jpg", "jpeg", "png", "bmp", "webp", "gif", "tif", "tiff"};
        case Modality::Audio: return {"wav", "mp3", "ogg", "oga", "flac", "m4a", "aac", "opus", "wma"};
        case Modality::Video: return {"mp4", "mkv", "avi", "mov", "webm", "m4v", "mpg", "mpeg"};
        case Modality::Point: return {"ply", "pcd", "xyz", "pts", "obj", "npy", "pt"};
        case Modality::Imu: return {"csv"};
        case Modality::Fmri: return {"npy"};
        case Modality::Depth:
        case Modality::Thermal:
        case Modality::Text:
        case Modality::Rgbd:
        case Modality::Rgbn: return {};
    }
    return {};
}

std::string file_extension(const std::string& path) {
    const size_t slash = path.find_last_of('/');
    const size_t name = slash == std::string::npos ? 0 : slash + 1;
    const size_t dot = path.find_last_of('.');
    if (dot == std::string::npos || dot <= name || dot + 1 == path.size()) return {};
    std::string ext = path.substr(dot + 1);
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext;
}

std::optional<Modality> guess_modality(const std::string& path) {
    const std::string ext = file_extension(path);
    if (ext.empty()) return std::nullopt;
    for (Modality m : {Modality::Image, Modality::Audio, Modality::Video, Modality::Point, Modality::Imu})
        for (const std::string& e : attachment_extensions(m))
            if (e == ext) return m;
    return std::nullopt;
}

}  // namespace ibllm::app
