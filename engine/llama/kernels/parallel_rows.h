#pragma once
// Output rows of a memory-bound product split over ATen's threads in small chunks taken on
// demand (OpenMP dynamic schedule) instead of one equal share per thread (at::parallel_for).
// With equal shares every product waits for its slowest thread, and on a shared machine one
// core is often slowed by another process: decoding one token ends ~120 such products. Chunks
// of about `chunk_bytes` of weights (1 MiB: long sequential streams for the prefetchers, yet
// some 20 per 7B projection) keep the scheduling cost negligible. Measured on the development
// machine, interleaved with equal shares (ibllm-bench kernels, 1.3B, two runs each, tokens/s
// of the projections alone): q4 23.3 / 21.6 against 20.9 / 18.0, int8 15.7 / 14.9 against
// 11.7 / 14.5, bf16 5.4 / 6.6 against 5.3 / 6.9.
// Towards the end of a product the chunks shrink (a quarter of what is left for two threads,
// down to 64 KiB), so that the threads finish together: 1.3B q4 decode, interleaved runs,
// 33.96 / 33.14 / 33.30 tokens/s against 32.46 / 31.55 / 32.60 with equal 1 MiB chunks.
// IBLLM_STATIC_SPLIT=1 goes back to equal shares (for comparing, as IBLLM_QUANT_ISA).
#include <c10/util/C++17.h>  // FunctionRef.h uses it without including it (libtorch 1.13)
#include <c10/util/FunctionRef.h>

#include <cstdint>

namespace ibllm::quant {

// Calls body(begin, end) over [0, rows) from all threads; `row_bytes` is what one row reads.
// (A function_ref, not a std::function: nothing is allocated per product.)
// Runs on the calling thread alone when the work is smaller than `min_parallel_bytes`, or
// when called from inside a parallel region.
void parallel_rows(int64_t rows, int64_t row_bytes, c10::function_ref<void(int64_t, int64_t)> body,
                   int64_t chunk_bytes = int64_t(1) << 20, int64_t min_parallel_bytes = int64_t(1) << 18);

// Most matrices in one group product (q, k and v is the largest group in use).
constexpr int kMaxGroup = 8;

// The rows of `count` matrices taken one after another (a group that shares its input), split
// as parallel_rows does: body(matrix, begin, end) with rows counted within that matrix.
void parallel_group_rows(const int64_t* rows, int count, int64_t row_bytes,
                         c10::function_ref<void(int, int64_t, int64_t)> body, int64_t chunk_bytes = int64_t(1) << 20);

// y[m * ldy + n] += bias[n] for the M rows of y and n in [n0, n1): a group product's bias,
// added by the thread that wrote those outputs while they are still in its cache (instead of
// one ATen add per projection afterwards, on one thread, through the dispatcher).
inline void add_bias_rows(const float* bias, int64_t M, int64_t n0, int64_t n1, float* y, int64_t ldy) {
    if (!bias) return;
    for (int64_t m = 0; m < M; ++m)
        for (int64_t n = n0; n < n1; ++n) y[m * ldy + n] += bias[n];
}

}  // namespace ibllm::quant
