#pragma once
// The activation quantiser, included by each kernel_*.cpp so that every instruction set gets
// its own copy, vectorised by the compiler with that file's flags. Everything here has
// internal linkage (see kernel_abi.h for why). The kernel files are built with
// -ffp-contract=off, so `x * id` is rounded before the rounding constant is added and every
// copy gives the same bytes.
#include "engine/llama/kernels/kernel_abi.h"

namespace ibllm::quant::abi {
namespace {

// Adding and subtracting 1.5 * 2^23 rounds a float of magnitude < 2^22 to the nearest
// integer, ties to even, like cvtps2dq; plain C++ so that it vectorises anywhere.
constexpr float kRoundMagic = 12582912.0f;

void prepare_activations_impl(const float* x, int64_t rows, int64_t ldx, int64_t K, int64_t superblocks,
                              const ActivationBuffers& out) {
    for (int64_t m = 0; m < rows; ++m) {
        const float* xr = x + m * ldx;
        int8_t* q = out.q + m * superblocks * kSuperblock;
        float* dx_run = out.scales + m * scale_row_floats(superblocks);
        float* dxs_run = dx_run + scale_run(superblocks);
        float total = 0.0f;
        for (int64_t s = 0; s < superblocks; ++s) {
            for (int g = 0; g < 2; ++g) {
                const int64_t k0 = s * kSuperblock + g * kGroup;
                const int64_t n = K - k0 >= kGroup ? kGroup : (K - k0 > 0 ? K - k0 : 0);
                float v[kGroup];
                for (int64_t e = 0; e < kGroup; ++e) v[e] = e < n ? xr[k0 + e] : 0.0f;
                float amax = 0.0f;
                for (int e = 0; e < kGroup; ++e) {
                    const float a = __builtin_fabsf(v[e]);
                    amax = a > amax ? a : amax;
                }
                const float dx = amax / 127.0f;
                const float id = amax > 0.0f ? 127.0f / amax : 0.0f;
                int32_t qi[kGroup];
                for (int e = 0; e < kGroup; ++e) {
                    float r = v[e] * id;
                    r = (r + kRoundMagic) - kRoundMagic;
                    r = r > 127.0f ? 127.0f : (r < -127.0f ? -127.0f : r);
                    qi[e] = static_cast<int32_t>(r);
                }
                int32_t sum = 0;
                for (int e = 0; e < kGroup; ++e) sum += qi[e];
                int8_t* dst = q + s * kSuperblock;
                for (int h = 0; h < 2; ++h)
                    for (int l2 = 0; l2 < 4; ++l2)
                        for (int j = 0; j < 4; ++j) {
                            const int e = 16 * h + 4 * l2 + j;
                            dst[lane_position(g, e)] = static_cast<int8_t>(qi[e]);
                        }
                dx_run[2 * s + g] = dx;
                dxs_run[2 * s + g] = dx * static_cast<float>(sum);
                total += dx * static_cast<float>(sum);
            }
        }
        for (int64_t g = 2 * superblocks; g < scale_run(superblocks); ++g) dx_run[g] = dxs_run[g] = 0.0f;
        out.dxs_sum[m] = total;
    }
}

}  // namespace
}  // namespace ibllm::quant::abi
