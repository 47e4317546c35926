#pragma once
// The eight inputs OneLLM reads, by the names its checkpoint uses for their stems, tags and
// projections ("image", "video", ..., "imu").
#include <array>
#include <string>

namespace ibllm {

enum class OnellmModality { Image, Video, Audio, Point, Rgbd, Rgbn, Fmri, Imu };

constexpr std::array<OnellmModality, 8> kOnellmModalities{OnellmModality::Image, OnellmModality::Video, OnellmModality::Audio,
                                                          OnellmModality::Point, OnellmModality::Rgbd,  OnellmModality::Rgbn,
                                                          OnellmModality::Fmri,  OnellmModality::Imu};

std::string to_string(OnellmModality m);
// "image", "video", "audio", "point", "rgbd", "rgbn", "fmri", "imu" (any case); Error otherwise.
OnellmModality parse_onellm_modality(const std::string& name);
// Whether the modality goes through CLIP's own patch embedding and positional table (image,
// video, RGB-D and RGB-N) rather than a stem and table of its own.
bool uses_clip_patches(OnellmModality m);

}  // namespace ibllm
