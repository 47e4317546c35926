#pragma once
// Rows of a quantised matrix back to float32 in natural order, for the prefill path (a tile is
// dequantised, then multiplied by BLAS/oneDNN). Included by each kernel_*.cpp like
// prepare_activations_impl.h, so that the compiler vectorises it for that instruction set.
#include "engine/llama/kernels/kernel_abi.h"

namespace ibllm::quant::abi {
namespace {

void dequantize_rows_impl(const MatrixView& w, int64_t n_begin, int64_t n_end, int64_t K, float* out, int64_t ldo) {
    for (int64_t n = n_begin; n < n_end; ++n) {
        const uint8_t* row = w.data + n * w.row_bytes;
        float* dst = out + (n - n_begin) * ldo;
        for (int64_t s = 0; s < w.superblocks; ++s) {
            float natural[kSuperblock];
            // Lane order: the four values of chunk i (elements 4i..4i+3) of group g sit in lane
            // 2i + g of the 512-bit register (kernel_abi.h).
            if (w.format == Format::Int8) {
                const float d = w.row_scales[n];
                const uint8_t* b = row + s * kSuperblock;
                for (int g = 0; g < 2; ++g)
                    for (int i = 0; i < 8; ++i)
                        for (int j = 0; j < 4; ++j)
                            natural[g * kGroup + 4 * i + j] =
                                static_cast<float>(static_cast<int>(b[4 * (2 * i + g) + j]) - kInt8Offset) * d;
            } else {
                const uint8_t* b = row + s * (kSuperblock / 2);
                for (int g = 0; g < 2; ++g) {
                    const uint16_t h = w.group_scales[n * w.superblocks * 2 + 2 * s + g];
                    const float d = half_bits_to_float(h);
                    for (int i = 0; i < 8; ++i)
                        for (int j = 0; j < 4; ++j) {
                            const int p = 4 * (2 * (i % 4) + g) + j;  // byte; high nibble for i >= 4
                            const int q = i < 4 ? (b[p] & 0x0F) : (b[p] >> 4);
                            natural[g * kGroup + 4 * i + j] = static_cast<float>(q4_level(q)) * d;
                        }
                }
            }
            const int64_t k0 = s * kSuperblock;
            const int64_t n_valid = K - k0 < kSuperblock ? K - k0 : kSuperblock;
            for (int64_t e = 0; e < n_valid; ++e) dst[k0 + e] = natural[e];
        }
    }
}

}  // namespace
}  // namespace ibllm::quant::abi
