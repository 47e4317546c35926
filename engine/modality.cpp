#include "engine/modality.h"

#include <algorithm>
#include <cctype>

#include "engine/error.h"

namespace ibllm {

std::string to_string(Modality m) {
    switch (m) {
        case Modality::Image: return "image";
        case Modality::Video: return "video";
        case Modality::Audio: return "audio";
        case Modality::Point: return "point";
        case Modality::Depth: return "depth";
        case Modality::Thermal: return "thermal";
        case Modality::Imu: return "imu";
        case Modality::Text: return "text";
        case Modality::Rgbd: return "rgbd";
        case Modality::Rgbn: return "rgbn";
        case Modality::Fmri: return "fmri";
    }
    return "image";
}

Modality parse_modality(const std::string& s) {
    std::string k = s;
    std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
    if (k == "image" || k == "vision") return Modality::Image;
    if (k == "video") return Modality::Video;
    if (k == "audio") return Modality::Audio;
    if (k == "point" || k == "point cloud" || k == "pointcloud" || k == "3d") return Modality::Point;
    if (k == "depth") return Modality::Depth;
    if (k == "thermal") return Modality::Thermal;
    if (k == "imu") return Modality::Imu;
    if (k == "text") return Modality::Text;
    if (k == "rgbd" || k == "rgb-d") return Modality::Rgbd;
    if (k == "rgbn" || k == "rgb-n") return Modality::Rgbn;
    if (k == "fmri") return Modality::Fmri;
    throw Error("Unknown modality '" + s + "'; use image, video, audio, point, depth, thermal, imu, text, rgbd, rgbn or fmri.");
}

}  // namespace ibllm
