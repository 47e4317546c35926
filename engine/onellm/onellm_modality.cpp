#include "engine/onellm/onellm_modality.h"

#include <algorithm>
#include <cctype>

#include "engine/error.h"

namespace ibllm {

std::string to_string(OnellmModality m) {
    switch (m) {
        case OnellmModality::Image: return "image";
        case OnellmModality::Video: return "video";
        case OnellmModality::Audio: return "audio";
        case OnellmModality::Point: return "point";
        case OnellmModality::Rgbd: return "rgbd";
        case OnellmModality::Rgbn: return "rgbn";
        case OnellmModality::Fmri: return "fmri";
        case OnellmModality::Imu: return "imu";
    }
    return "image";
}

OnellmModality parse_onellm_modality(const std::string& name) {
    std::string k = name;
    std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
    for (OnellmModality m : kOnellmModalities)
        if (to_string(m) == k) return m;
    throw Error("OneLLM has no modality '" + name + "'; use image, video, audio, point, rgbd, rgbn, fmri or imu.");
}

bool uses_clip_patches(OnellmModality m) {
    return m == OnellmModality::Image || m == OnellmModality::Video || m == OnellmModality::Rgbd || m == OnellmModality::Rgbn;
}

}  // namespace ibllm
