#pragma once
// The input kinds the models read: ImageBind embeds all but the last three into its joint
// space; OneLLM reads image, video, audio, point clouds (x y z r g b), IMU and the three
// OneLLM-only kinds: an image with its depth map (RGB-D) or its surface normals (RGB-N), and fMRI.
#include <string>

namespace ibllm {

enum class Modality { Image, Video, Audio, Point, Depth, Thermal, Imu, Text, Rgbd, Rgbn, Fmri };

std::string to_string(Modality m);  // "image", "video", ...
// Accepts the CLI names (image, audio, video, point, depth, thermal, imu, text, rgbd, rgbn, fmri) in any case,
// plus the reference's dict keys ("Image", "Point Cloud"); Error otherwise.
Modality parse_modality(const std::string& s);

}  // namespace ibllm
