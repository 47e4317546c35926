// The portable kernel: plain C++, for CPUs without AVX2 and as the reference the vector
// kernels are tested against. Same arithmetic as the vector kernels: exact integer dot products
// per 32-element group, scaled in float.
#include <cstring>

#include "engine/llama/kernels/kernel_abi.h"
#include "engine/llama/kernels/dequantize_rows_impl.h"
#include "engine/llama/kernels/quantize_rows_impl.h"
#include "engine/llama/kernels/prepare_activations_impl.h"

namespace ibllm::quant::abi {

namespace {

float int8_row(const MatrixView& w, const ActivationView& x, int64_t n, int64_t m) {
    const uint8_t* wr = w.data + n * w.row_bytes;
    const int8_t* xq = x.q + m * x.superblocks * kSuperblock;
    const float* dx = group_dx(x, m);
    float acc = 0.0f;
    for (int64_t s = 0; s < x.superblocks; ++s) {
        int32_t isum[2] = {0, 0};
        for (int zp = 0; zp < kSuperblock; ++zp) {
            const int g = (zp / 4) % 2;
            isum[g] += (static_cast<int32_t>(wr[s * kSuperblock + zp]) - kInt8Offset) * xq[s * kSuperblock + zp];
        }
        acc += dx[2 * s] * static_cast<float>(isum[0]) + dx[2 * s + 1] * static_cast<float>(isum[1]);
    }
    return acc * w.row_scales[n];
}

float q4_row(const MatrixView& w, const ActivationView& x, int64_t n, int64_t m) {
    const uint8_t* wr = w.data + n * w.row_bytes;
    const uint16_t* scales = w.group_scales + n * w.superblocks * 2;
    const int8_t* xq = x.q + m * x.superblocks * kSuperblock;
    const float* dx = group_dx(x, m);
    float acc = 0.0f;
    for (int64_t s = 0; s < x.superblocks; ++s) {
        int32_t isum[2] = {0, 0};
        const uint8_t* bytes = wr + s * (kSuperblock / 2);
        for (int zp = 0; zp < kSuperblock; ++zp) {
            const int g = (zp / 4) % 2;
            const int nibble = zp < 32 ? (bytes[zp] & 0x0F) : (bytes[zp - 32] >> 4);
            isum[g] += q4_level(nibble) * xq[s * kSuperblock + zp];
        }
        for (int g = 0; g < 2; ++g)
            acc += half_bits_to_float(scales[2 * s + g]) * (dx[2 * s + g] * static_cast<float>(isum[g]));
    }
    return acc;
}

}  // namespace

void prepare_scalar(const float* x, int64_t rows, int64_t ldx, int64_t K, int64_t superblocks,
                    const ActivationBuffers& out) {
    prepare_activations_impl(x, rows, ldx, K, superblocks, out);
}

void quantize_scalar(Format format, const float* src, int64_t rows, int64_t K, int64_t superblocks, uint8_t* data, void* scales) {
    quantize_rows_with(q4_group, format, src, rows, K, superblocks, data, scales);
}

void dequantize_scalar(const MatrixView& w, int64_t n_begin, int64_t n_end, int64_t K, float* out, int64_t ldo) {
    dequantize_rows_impl(w, n_begin, n_end, K, out, ldo);
}

void rows_scalar(const MatrixView& w, const ActivationView& x, int64_t n_begin, int64_t n_end, float* y, int64_t ldy) {
    for (int64_t n = n_begin; n < n_end; ++n)
        for (int64_t m = 0; m < x.rows; ++m)
            y[m * ldy + n] = w.format == Format::Int8 ? int8_row(w, x, n, m) : q4_row(w, x, n, m);
}

}  // namespace ibllm::quant::abi
