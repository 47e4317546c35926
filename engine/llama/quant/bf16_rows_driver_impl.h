#pragma once
// The loop over output rows shared by the bf16 kernels: blocks of four weight rows (each
// activation load then serves four rows), single rows at the end. Included by each
// bf16_kernel_*.cpp with its own rows_block<NB>(w, x_row, n, y_row) in the same anonymous
// namespace, so every instruction set gets its own copy (kernel_abi.h explains why).
#include "engine/llama/quant/kernel_abi.h"

namespace ibllm::quant::abi {
namespace {

template <int NB>
void rows_block(const Bf16MatrixView& w, const float* xr, int64_t n, float* yr);

void bf16_rows_driver(const Bf16MatrixView& w, const float* x, int64_t M, int64_t ldx, int64_t n_begin, int64_t n_end,
                      float* y, int64_t ldy) {
    int64_t n = n_begin;
    for (; n + 4 <= n_end; n += 4)
        for (int64_t m = 0; m < M; ++m) rows_block<4>(w, x + m * ldx, n, y + m * ldy);
    for (; n < n_end; ++n)
        for (int64_t m = 0; m < M; ++m) rows_block<1>(w, x + m * ldx, n, y + m * ldy);
}

}  // namespace
}  // namespace ibllm::quant::abi
