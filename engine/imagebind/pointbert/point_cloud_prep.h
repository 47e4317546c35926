#pragma once
// Point clouds from decoded coordinates to the tensor the 3D encoder takes, two ways:
// - the reference path (data.py load_and_transform_point_cloud_data): the points exactly as
//   given, for parity with the reference;
// - the product default for clouds users actually have (any size, any scale, scanner
//   holes): drop broken points, centre, scale into the unit sphere, and farthest-point
//   sample down to the 8192 points Point-BERT was trained on.
#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>
#include <string>

namespace ibllm {

// points: [N, 3] of any dtype. Returns [1, N, 3] with the dtype unchanged, as the reference
// returns it (float32 from .pt, float64 from open3d's .ply/.pcd/.xyz); the encoder casts.
at::Tensor reference_point_input(const at::Tensor& points);

struct PreparedCloud {
    at::Tensor points;           // [1, n, 3] float32, centred, inside the unit sphere
    int64_t original_count = 0;  // rows given, before anything was dropped
    int64_t valid_count = 0;     // rows left after dropping NaN / infinite coordinates
    bool downsampled = false;    // farthest-point sampled from valid_count down to n
    bool normalised = false;     // centred and scaled (always, once a cloud is accepted)
    double scale = 1.0;          // the cloud's radius: points = (input - centre) / scale
    std::array<double, 3> centre{0.0, 0.0, 0.0};  // centroid of the valid points
};

// The smallest cloud the default path accepts: one Point-BERT neighbourhood.
constexpr int64_t kMinUserCloudPoints = 32;

// points: [N, 3] (or [1, N, 3]) of any real dtype; `source` names the file in errors.
// Steps, in this order:
//  1. rows with a NaN or infinite coordinate are dropped (scanners mark holes that way);
//  2. the centroid (float64) is subtracted and the cloud divided by its largest distance
//     from the centroid, so the farthest point lies on the unit sphere (a cloud whose points
//     all coincide stays at the origin with scale 1);
//  3. with more than `target` points, farthest-point sampling from the first valid point
//     keeps `target` of them (deterministic; the reference would start at random).
// A cloud with fewer than `target` points is kept as it is: repeating or inventing points
// would not add shape, and Point-BERT's grouping works on any count of at least
// `min_points` (its KNN needs one full neighbourhood). Empty, all-invalid and too-small
// clouds are ibllm::Error naming `source`. Computation is in float64, so a scaled and
// shifted copy of a cloud prepares to the same points (up to the input's own rounding).
PreparedCloud prepare_user_point_cloud(const at::Tensor& points, int64_t target = 8192,
                                       const std::string& source = "The point cloud",
                                       int64_t min_points = kMinUserCloudPoints);

}  // namespace ibllm
