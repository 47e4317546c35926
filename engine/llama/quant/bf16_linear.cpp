#include "engine/llama/quant/bf16_linear.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <vector>

#include "engine/llama/quant/kernel_table.h"

namespace ibllm::quant {

at::Tensor bf16_linear(const at::Tensor& x, const at::Tensor& weight) {
    TORCH_CHECK(weight.scalar_type() == at::kBFloat16 && weight.dim() == 2 && weight.stride(1) == 1,
                "bf16_linear: the weight must be a bfloat16 matrix with contiguous rows");
    const int64_t N = weight.size(0), K = weight.size(1);
    TORCH_CHECK(x.size(-1) == K, "bf16_linear: input has ", x.size(-1), " features, the matrix expects ", K);
    const at::Tensor xf = (x.scalar_type() == at::kFloat ? x : x.to(at::kFloat)).contiguous();
    const int64_t M = xf.numel() / K;
    std::vector<int64_t> out_shape(x.sizes().begin(), x.sizes().end());
    out_shape.back() = N;
    at::Tensor y = at::empty(out_shape, at::kFloat);
    const abi::Bf16MatrixView w{reinterpret_cast<const uint16_t*>(weight.data_ptr<at::BFloat16>()), N, K, weight.stride(0)};
    const KernelTable k = active_kernels();
    const float* xp = xf.data_ptr<float>();
    float* yp = y.data_ptr<float>();
    // At least ~256k multiply-adds per chunk, so that small matrices do not wake the pool;
    // a multiple of 4 rows, the kernel's block.
    const int64_t grain = std::max<int64_t>(4, ((int64_t(1) << 18) / std::max<int64_t>(1, K * M)) / 4 * 4);
    at::parallel_for(0, N, grain, [&](int64_t n0, int64_t n1) { k.bf16_rows(w, xp, M, K, n0, n1, yp, N); });
    return y;
}

}  // namespace ibllm::quant
