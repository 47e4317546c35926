#pragma once
// The loop every integer kernel runs its products in: output rows [n_begin, n_end) for every
// activation row, in blocks of up to MaxRows activation rows (the weights row is read once per
// block). Included by each kernel_*.cpp like the other *_impl.h files, so that it is compiled
// with that file's instruction set around that file's block.
#include <cstdint>
#include <type_traits>

namespace ibllm::quant::abi {
namespace {

// block(integral_constant<int, MB>, n, m0) computes outputs n of activation rows m0..m0+MB-1,
// for MB up to MaxRows (4 or 6).
//
// The AVX2 kernels take 6 rows: the weights' share of the work per superblock (loads, sign
// and offset handling) is then spread over more products. 1.3B up-projection on two Zen 4
// cores, AVX2 forced, 64 / 256 rows: int8 187 / 204 -> 207 / 222 GFLOP/s, q4 about 260 ->
// 266-290. The AVX-512 kernels keep 4: with 6 their int8 product measured 300-308 against
// 312-347.
//
// With more activation rows than one block (prefill), the blocks are the outer loop: one block
// of activations (MaxRows x K bytes) stays in the L1 cache while the range's weight rows stream past
// it from L2, instead of every activation row being read again for each weight row. Each
// output is computed by the same operations either way (the same bits).
template <int MaxRows, class Block>
void for_each_block(int64_t rows, int64_t n_begin, int64_t n_end, Block block) {
    const auto block_at = [&](int64_t n, int64_t m0) {
        static_assert(MaxRows >= 1 && MaxRows <= 6, "blocks of 1 to 6 rows");
        switch (rows - m0 < MaxRows ? rows - m0 : MaxRows) {  // no std::min: see kernel_abi.h
            case 6: if constexpr (MaxRows >= 6) block(std::integral_constant<int, 6>(), n, m0); break;
            case 5: if constexpr (MaxRows >= 5) block(std::integral_constant<int, 5>(), n, m0); break;
            case 4: block(std::integral_constant<int, 4>(), n, m0); break;
            case 3: block(std::integral_constant<int, 3>(), n, m0); break;
            case 2: block(std::integral_constant<int, 2>(), n, m0); break;
            case 1: block(std::integral_constant<int, 1>(), n, m0); break;
            default: break;
        }
    };
    if (rows <= MaxRows) {
        for (int64_t n = n_begin; n < n_end; ++n) block_at(n, 0);
        return;
    }
    for (int64_t m0 = 0; m0 < rows; m0 += MaxRows)
        for (int64_t n = n_begin; n < n_end; ++n) block_at(n, m0);
}

}  // namespace
}  // namespace ibllm::quant::abi
