#pragma once
// The loop over output rows shared by the bf16 kernels that include it (bf16_kernel_avx512.cpp),
// with its own rows_block<NB>(w, x_row, n, y_row) in the same anonymous namespace, so every
// instruction set gets its own copy (kernel_abi.h explains why).
//
// One weight row at a time: consecutive rows are adjacent in memory, so the weights are one
// sequential stream that the hardware prefetchers follow across pages. Four rows at once (four
// streams, each only one 4 KiB page long at K = 2048) decoded the 1.3B shape's projections at
// 9.2-9.5 tokens/s on two Zen 4 cores, one row at a time at 11.7-13.6 (x is read from L1 for
// each row, which the load ports absorb at memory-bound speed).
#include "engine/llama/kernels/kernel_abi.h"

namespace ibllm::quant::abi {
namespace {

template <int NB>
void rows_block(const Bf16MatrixView& w, const float* xr, int64_t n, float* yr);

void bf16_rows_driver(const Bf16MatrixView& w, const float* x, int64_t M, int64_t ldx, int64_t n_begin, int64_t n_end,
                      float* y, int64_t ldy) {
    for (int64_t n = n_begin; n < n_end; ++n)
        for (int64_t m = 0; m < M; ++m) rows_block<1>(w, x + m * ldx, n, y + m * ldy);
}

}  // namespace
}  // namespace ibllm::quant::abi
