#pragma once
// y = x W^T with a quantised W, on all threads of ATen's pool, split over output rows.
//  - Decode and short inputs (fewer than kDenseMinRows rows): the integer path. The
//    activations are quantised to int8 per group of 32 on the fly and multiplied with integer
//    dot products (VNNI where the CPU has it), reading each weight byte once, so the speed is
//    bound by memory bandwidth. No allocation per call (the scratch only grows).
//  - Prefill (kDenseMinRows rows or more), as compute_paths() decides for this CPU: the same
//    integer kernels, whose blocks of activation rows share every load of a weight row and
//    stay in cache while the weights stream past (compute-bound); or, where AMX multiplies
//    bf16, the dense path: tiles of W dequantised and multiplied with float activations by
//    at::linear in W.dense_dtype (bf16 only where the CPU multiplies bf16, else float32).
#include <ATen/core/Tensor.h>

#include <cstdint>

#include "engine/llama/kernels/quantized_matrix.h"

namespace ibllm::quant {

// Below this many rows the integer path is always taken; from it on, compute_paths() decides.
// Measured at 4096 -> 11008 before the integer kernels were blocked for prefill (2 cores, GFLOP/s, integer / dense):
// int8 262 / 197 at 32 rows, 263 / 331 at 64; q4 208 / 211 at 32, 206 / 355 at 64.
constexpr int64_t kDenseMinRows = 48;

// Whether a product with `rows` input rows takes the integer kernels (MatmulPath::Auto).
bool takes_integer_path(int64_t rows);

enum class MatmulPath {
    Auto,     // by the number of rows and compute_paths() (above)
    Integer,  // int8 activations, integer dot products
    Dense,    // dequantised tiles, at::linear in dense_dtype
};

// x: float32 [..., K] -> float32 [..., N].
at::Tensor quantized_linear(const at::Tensor& x, const QuantizedMatrix& w, MatmulPath path = MatmulPath::Auto);

// The same on raw rows: x is M rows of K floats with stride ldx, y receives M rows of N floats
// with stride ldy.
void quantized_matmul(const QuantizedMatrix& w, const float* x, int64_t M, int64_t ldx, float* y, int64_t ldy,
                      MatmulPath path = MatmulPath::Auto);

// Several matrices with the same K applied to the same x (q, k and v; w1 and w3): the
// activations are quantised once and the output rows of all of them are split over the
// threads in one parallel region. ys[i] receives M rows of ws[i]->rows floats (contiguous),
// plus biases[i] (ws[i]->rows floats) where `biases` and biases[i] are not null.
// Takes the integer path where takes_integer_path(M), else one dense product per matrix.
void quantized_matmul_group(const QuantizedMatrix* const* ws, int count, const float* x, int64_t M, int64_t ldx,
                            float* const* ys, const float* const* biases = nullptr);

}  // namespace ibllm::quant
