#pragma once
// Writing point clouds (xyz only) in the formats the readers take: .ply and .pcd through PCL
// (binary), .xyz as text, .npy as a float32 [N, 3] array. The extension decides. Written to a
// temporary name and renamed when complete; throws MediaError naming the file on failure.
#include <string>
#include <vector>

namespace ibllm::media {

void save_point_cloud(const std::string& path, const std::vector<float>& xyz);

}  // namespace ibllm::media
