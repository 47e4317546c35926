#pragma once
// One reader per point-cloud file family, behind load_point_cloud(). Each returns the points
// it found (possibly none) or throws MediaError naming the file; load_point_cloud() does the
// checks common to all (missing file, no points, counting non-finite rows).
#include <string>

#include "media/points/point_cloud_file.h"

namespace ibllm::media::detail {

PointCloudData read_ply(const std::string& path);          // PCL PLYReader, ascii or binary
PointCloudData read_pcd(const std::string& path);          // PCL PCDReader
PointCloudData read_text_points(const std::string& path);  // .xyz / .pts / .txt
PointCloudData read_obj_vertices(const std::string& path); // "v x y z" lines
PointCloudData read_npy_points(const std::string& path);   // float32 / float64 arrays

}  // namespace ibllm::media::detail
