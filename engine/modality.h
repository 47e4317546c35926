#pragma once
// The input kinds ImageBind embeds into its joint space.
#include <string>

namespace ibllm {

enum class Modality { Image, Video, Audio, Point, Depth, Thermal, Imu, Text };

std::string to_string(Modality m);  // "image", "video", ...
// Accepts the CLI names (image, audio, video, point, depth, thermal, imu, text) in any case,
// plus the reference's dict keys ("Image", "Point Cloud"); Error otherwise.
Modality parse_modality(const std::string& s);

}  // namespace ibllm
