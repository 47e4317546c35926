#pragma once
// A weight matrix [N, K] stored with fewer bits per weight for memory-bound decoding.
//
// Formats:
//  - Int8: one float32 scale per output row (per channel), d = max|w| / 127, q = round(w / d)
//    in [-127, 127], stored as q + 128 (symmetric: zero maps to zero). About 1 byte per weight.
//  - Q4: groups of 32 consecutive weights along K, one IEEE-half scale d per group; each weight
//    is d times one of sixteen unevenly spaced levels (kernel_abi.h's kQ4Levels, -64..57), its
//    index stored in a nibble. The weight of largest magnitude maps to -64 or near it (the best
//    of four scales, each refitted by least squares). 4.5 bits per weight.
// K is padded with zeros to a multiple of 64 and the values of each 64-element superblock are
// kept in the kernels' lane order (kernel_abi.h), so a row is one contiguous stream.
#include <ATen/core/Tensor.h>

#include <cstdint>

#include "engine/precision.h"

namespace ibllm::quant {

struct QuantizedMatrix {
    WeightFormat format = WeightFormat::Int8;
    int64_t rows = 0;         // N, output features
    int64_t cols = 0;         // K, input features
    int64_t padded_cols = 0;  // K rounded up to 64
    at::Tensor data;          // uint8 [rows, padded_cols] (Int8) or [rows, padded_cols / 2] (Q4)
    at::Tensor scales;        // float32 [rows] (Int8) or float16 [rows, padded_cols / 32] (Q4)
    // The dtype of the prefill path's dequantised tiles and its BLAS/oneDNN product: the
    // model's compute dtype (bf16 is fast through oneDNN where the CPU has AVX-512 BF16).
    at::ScalarType dense_dtype = at::kFloat;

    // Bytes a matrix-vector product reads (data + scales): the figure bandwidth is measured by.
    int64_t weight_bytes() const;
};

// Quantises a float matrix [N, K] (any floating dtype; rows in parallel). `format` must be
// Int8 or Q4.
QuantizedMatrix quantize_matrix(const at::Tensor& weight, WeightFormat format, at::ScalarType dense_dtype = at::kFloat);

// The float32 matrix [N, K] the quantised one stands for (reference for tests, and for the
// prefill path of callers that want a dense matrix).
at::Tensor dequantize_matrix(const QuantizedMatrix& q);

// What the kernels actually multiply with: `x` [M, K] float32 quantised per group of 32 along
// K to int8 (scale max|x| / 127, round half to even) and back to float32.
at::Tensor quantize_dequantize_activations(const at::Tensor& x);

}  // namespace ibllm::quant
