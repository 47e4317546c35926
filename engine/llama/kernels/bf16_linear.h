#pragma once
// y = x W^T with bfloat16 W and float32 x, for a few rows of x (decode): the exact path's
// memory-bound product. at::linear would round x to bf16 and, at one row, reaches about half
// the memory bandwidth here (oneDNN's matrix-vector product); this kernel streams four weight
// rows at once with prefetch on all threads of ATen's pool. From kBf16KernelMaxRows rows on,
// a product is compute-bound and at::linear (oneDNN, AMX/AVX-512 BF16) is the faster one.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace ibllm::quant {

constexpr int64_t kBf16KernelMaxRows = 4;

// x: float32 [..., K]; weight: bfloat16 [N, K] with contiguous rows -> float32 [..., N].
at::Tensor bf16_linear(const at::Tensor& x, const at::Tensor& weight);

// Several bf16 matrices [N_i, K] applied to the same M rows of float32 x (row stride K), in one
// parallel region: ys[i] receives M rows of N_i floats, plus biases[i] (N_i floats) where
// `biases` and biases[i] are not null. For M <= kBf16KernelMaxRows.
void bf16_matmul_group(const at::Tensor* const* weights, int count, const float* x, int64_t M, float* const* ys,
                       const float* const* biases = nullptr);

// x W^T for many rows of x (prefill, training's frozen products) where the CPU has no bf16
// instructions: float32 FMA tiles that widen the bf16 weights once per cache-sized panel
// (kernel_abi.h), split over output rows on ATen's threads. No float32 copy of W is made.
// x: float32 [..., K]; weight: bfloat16 [N, K] with contiguous rows -> float32 [..., N].
at::Tensor bf16_prefill_linear(const at::Tensor& x, const at::Tensor& weight);

}  // namespace ibllm::quant
