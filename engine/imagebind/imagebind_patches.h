#pragma once
// Patch extraction for the ImageBind stems, as matrices for one large product with the
// stem's flattened kernel: a Conv(d) with no bias equals patches @ W.reshape(D, -1)^T, and one
// GEMM over all patches is what runs fast in bf16 (oneDNN) as well as in float32.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace ibllm::imagebind_trunk {

// Output positions per spatial dim of a Conv with `kernel`/`stride` and no padding over
// `input_size` (the sizes after batch and channel); 0 where the input is smaller than the kernel.
std::vector<int64_t> conv_output_size(const std::vector<int64_t>& input_size, const std::vector<int64_t>& kernel,
                                      const std::vector<int64_t>& stride);

// x [N, C, d1, ..., dk] (k = 2 or 3) -> [N, prod(outputs), C * prod(kernel)], patches in the
// order Conv(d).flatten(2) gives them, features in the order of the Conv weight (C, k1, ..., kk).
at::Tensor conv_patches(const at::Tensor& x, const std::vector<int64_t>& kernel, const std::vector<int64_t>& stride);

// IMU: x [N, C, T] -> [N, T / window, C * window], channel-major within a window
// (x.unfold(-1, w, w).permute(0, 2, 1, 3).reshape(N, T / w, C * w) in the reference).
at::Tensor time_windows(const at::Tensor& x, int64_t window);

}  // namespace ibllm::imagebind_trunk
