#include "engine/llama/kernels/quantized_matrix.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>

#include "engine/error.h"
#include "engine/llama/kernels/kernel_abi.h"
#include "engine/llama/kernels/kernel_table.h"
#include "engine/llama/kernels/weight_memory.h"

namespace ibllm::quant {

namespace {

using abi::kGroup;
using abi::kSuperblock;
using abi::lane_position;

int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

// Rows per parallel chunk: enough work per thread to be worth waking it.
int64_t grain_rows(int64_t cols) { return std::max<int64_t>(1, (1 << 18) / std::max<int64_t>(cols, 1)); }

}  // namespace

int64_t QuantizedMatrix::weight_bytes() const {
    return data.defined() ? data.numel() * data.element_size() + scales.numel() * scales.element_size() : 0;
}

QuantizedMatrix quantize_matrix(const at::Tensor& weight, WeightFormat format, at::ScalarType dense_dtype) {
    if (weight.dim() != 2 || !at::isFloatingType(weight.scalar_type()))
        throw Error("Only a floating-point matrix can be quantised (got shape " + std::to_string(weight.dim()) + "-d).");
    if (format == WeightFormat::Bf16) throw Error("bf16 is not a quantised weight format; use int8 or q4.");
    const at::Tensor w = weight.contiguous();
    QuantizedMatrix q;
    q.format = format;
    q.dense_dtype = dense_dtype;
    q.rows = w.size(0);
    q.cols = w.size(1);
    q.padded_cols = round_up(std::max<int64_t>(q.cols, 1), kSuperblock);
    const int64_t N = q.rows, K = q.cols, Kp = q.padded_cols;
    q.data = empty_weight_tensor({N, format == WeightFormat::Int8 ? Kp : Kp / 2}, at::kByte);
    q.scales = format == WeightFormat::Int8 ? empty_weight_tensor({N}, at::kFloat) : empty_weight_tensor({N, Kp / kGroup}, at::kHalf);
    uint8_t* data = q.data.data_ptr<uint8_t>();
    void* scales = q.scales.data_ptr();
    const int64_t row_bytes = q.data.size(1);
    // Rows are converted to float32 a few at a time, so that an fp16 or bf16 source needs no
    // full float32 copy; the kernels of the running CPU quantise them (the same bytes on any).
    const abi::QuantizeFn quantize = active_kernels().quantize;
    const abi::Format f = format == WeightFormat::Int8 ? abi::Format::Int8 : abi::Format::Q4;
    const int64_t S = Kp / kSuperblock;
    const int64_t block = std::max<int64_t>(1, (int64_t(1) << 16) / std::max<int64_t>(K, 1));
    at::parallel_for(0, N, grain_rows(K), [&](int64_t n0, int64_t n1) {
        const at::Tensor buffer = at::empty({std::min(block, n1 - n0), K}, at::kFloat);  // once per thread
        for (int64_t b0 = n0; b0 < n1; b0 += block) {
            const int64_t b1 = std::min(n1, b0 + block);
            const at::Tensor rows = buffer.narrow(0, 0, b1 - b0);
            rows.copy_(w.narrow(0, b0, b1 - b0));
            void* row_scales = format == WeightFormat::Int8 ? static_cast<void*>(static_cast<float*>(scales) + b0)
                                                            : static_cast<void*>(static_cast<uint16_t*>(scales) + b0 * 2 * S);
            quantize(f, rows.data_ptr<float>(), b1 - b0, K, S, data + b0 * row_bytes, row_scales);
        }
    });
    return q;
}

at::Tensor dequantize_matrix(const QuantizedMatrix& q) {
    const int64_t N = q.rows, K = q.cols, Kp = q.padded_cols;
    at::Tensor out = at::empty({N, K}, at::kFloat);
    float* dst = out.data_ptr<float>();
    const uint8_t* data = q.data.data_ptr<uint8_t>();
    const float* row_scales = q.format == WeightFormat::Int8 ? q.scales.data_ptr<float>() : nullptr;
    const at::Half* group_scales = q.format == WeightFormat::Q4 ? q.scales.data_ptr<at::Half>() : nullptr;
    for (int64_t n = 0; n < N; ++n) {
        for (int64_t k = 0; k < K; ++k) {
            const int64_t s = k / kSuperblock, g = (k % kSuperblock) / kGroup, e = k % kGroup;
            const int zp = lane_position(static_cast<int>(g), static_cast<int>(e));
            if (q.format == WeightFormat::Int8) {
                const int v = static_cast<int>(data[n * Kp + s * kSuperblock + zp]) - abi::kInt8Offset;
                dst[n * K + k] = static_cast<float>(v) * row_scales[n];
            } else {
                const uint8_t byte = data[n * (Kp / 2) + s * (kSuperblock / 2) + zp % 32];
                const int v = abi::q4_level(zp < 32 ? (byte & 0x0F) : (byte >> 4));
                const float d = static_cast<float>(group_scales[n * (Kp / kGroup) + k / kGroup]);
                dst[n * K + k] = static_cast<float>(v) * d;
            }
        }
    }
    return out;
}

at::Tensor quantize_dequantize_activations(const at::Tensor& x) {
    const at::Tensor xf = x.to(at::kFloat).contiguous().reshape({-1, x.size(-1)});
    const int64_t M = xf.size(0), K = xf.size(1);
    at::Tensor out = at::empty({M, K}, at::kFloat);
    for (int64_t m = 0; m < M; ++m) {
        const float* r = xf.data_ptr<float>() + m * K;
        float* o = out.data_ptr<float>() + m * K;
        for (int64_t k0 = 0; k0 < K; k0 += kGroup) {
            const int64_t n = std::min<int64_t>(kGroup, K - k0);
            float amax = 0.0f;
            for (int64_t e = 0; e < n; ++e) amax = std::max(amax, std::fabs(r[k0 + e]));
            const float dx = amax / 127.0f;
            const float id = amax > 0.0f ? 127.0f / amax : 0.0f;
            for (int64_t e = 0; e < n; ++e) {
                const float v = std::min(127.0f, std::max(-127.0f, std::nearbyint(r[k0 + e] * id)));
                o[k0 + e] = v * dx;
            }
        }
    }
    return out.reshape(x.sizes());
}

}  // namespace ibllm::quant
