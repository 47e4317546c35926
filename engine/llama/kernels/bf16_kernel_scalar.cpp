// The portable bf16 matrix-vector kernel, and the reference the vector ones are tested against.
#include <cstring>

#include "engine/llama/kernels/kernel_abi.h"

namespace ibllm::quant::abi {

void bf16_rows_scalar(const Bf16MatrixView& w, const float* x, int64_t M, int64_t ldx, int64_t n_begin, int64_t n_end,
                      float* y, int64_t ldy) {
    for (int64_t n = n_begin; n < n_end; ++n) {
        const uint16_t* wr = w.data + n * w.ld;
        for (int64_t m = 0; m < M; ++m) {
            const float* xr = x + m * ldx;
            float acc = 0.0f;
            for (int64_t k = 0; k < w.cols; ++k) {
                // A bfloat16 is the upper half of a float32.
                const uint32_t bits = static_cast<uint32_t>(wr[k]) << 16;
                float v;
                std::memcpy(&v, &bits, sizeof v);
                acc += v * xr[k];
            }
            y[m * ldy + n] = acc;
        }
    }
}

void bf16_gemm_scalar(const Bf16MatrixView& w, const float* x, int64_t M, int64_t ldx, int64_t n_begin, int64_t n_end,
                      float* y, int64_t ldy, float* /*panel*/) {
    bf16_rows_scalar(w, x, M, ldx, n_begin, n_end, y, ldy);
}

}  // namespace ibllm::quant::abi
