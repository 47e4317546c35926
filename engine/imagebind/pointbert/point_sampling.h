#pragma once
// Farthest-point sampling and k-nearest-neighbour grouping with the exact float32
// semantics of Point-BERT's reference (misc.fps and dvae.knn_point), so that the same
// centres and neighbour sets come out. Both run as tight loops over raw float arrays:
// FPS of a 100k-point scan to 8192 points is O(N * n) and must not allocate per step.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace ibllm {

// xyz: [B, N, 3] (cast to float32). Returns [B, n_samples] int64 indices in selection order.
// Reference semantics: every point starts at distance 1e10; the first pick is `start`;
// after each pick d = (x-cx)^2 + (y-cy)^2 + (z-cz)^2 from direct float32 differences,
// distance = min(distance, d), and the next pick is the first index of the largest distance.
// The reference draws `start` at random; parity (and a deterministic product) uses 0.
// With n_samples > N the picks continue as the reference's would (index 0 repeats once
// every point is taken). Coordinates must be finite (ibllm::Error otherwise).
// Cost: far below N * n_samples on real clouds (distant regions are skipped with exact
// bounds), never above it.
at::Tensor farthest_point_sample(const at::Tensor& xyz, int64_t n_samples, int64_t start = 0);

// xyz: [B, N, 3], centers: [B, G, 3] (both cast to float32). Returns [B, G, k] int64: for
// every centre the k points with the smallest reference squared distance
// -2 * (c . p) + |c|^2 + |p|^2 (this expanded float32 formula, not the direct difference),
// ordered by ascending distance, then index. The reference's topk(sorted=False) order may
// differ, but everything downstream is order-invariant. Coordinates must be finite, and
// k at most N (ibllm::Error otherwise).
at::Tensor knn_indices(const at::Tensor& xyz, const at::Tensor& centers, int64_t k);

// The squared distances knn_indices ranks by, for the indices it returned: [B, G, k] float32.
at::Tensor knn_squared_distances(const at::Tensor& xyz, const at::Tensor& centers, const at::Tensor& knn_idx);

}  // namespace ibllm
