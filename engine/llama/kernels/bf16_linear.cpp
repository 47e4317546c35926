#include "engine/llama/kernels/bf16_linear.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <vector>

#include "engine/llama/kernels/kernel_table.h"
#include "engine/llama/kernels/parallel_rows.h"

namespace ibllm::quant {

namespace {

abi::Bf16MatrixView view_of(const at::Tensor& weight) {
    TORCH_CHECK(weight.scalar_type() == at::kBFloat16 && weight.dim() == 2 && weight.stride(1) == 1,
                "bf16_linear: the weight must be a bfloat16 matrix with contiguous rows");
    return {reinterpret_cast<const uint16_t*>(weight.data_ptr<at::BFloat16>()), weight.size(0), weight.size(1),
            weight.stride(0)};
}

}  // namespace

void bf16_matmul_group(const at::Tensor* const* weights, int count, const float* x, int64_t M, float* const* ys,
                       const float* const* biases) {
    if (count <= 0 || M <= 0) return;
    TORCH_CHECK(count <= kMaxGroup, "bf16_matmul_group: at most ", kMaxGroup, " matrices");
    abi::Bf16MatrixView views[kMaxGroup];
    int64_t rows[kMaxGroup];
    for (int i = 0; i < count; ++i) {
        views[i] = view_of(*weights[i]);
        TORCH_CHECK(views[i].cols == views[0].cols, "bf16_matmul_group: the matrices differ in their input size");
        rows[i] = views[i].rows;
    }
    const KernelTable k = active_kernels();
    const int64_t K = views[0].cols;
    const auto body = [&](int i, int64_t n0, int64_t n1) {
        k.bf16_rows(views[i], x, M, K, n0, n1, ys[i], rows[i]);
        if (biases) add_bias_rows(biases[i], M, n0, n1, ys[i], rows[i]);
    };
    parallel_group_rows(rows, count, K * 2 * M, body);
}

at::Tensor bf16_linear(const at::Tensor& x, const at::Tensor& weight) {
    const int64_t N = weight.size(0), K = weight.size(-1);
    TORCH_CHECK(x.size(-1) == K, "bf16_linear: input has ", x.size(-1), " features, the matrix expects ", K);
    const at::Tensor xf = (x.scalar_type() == at::kFloat ? x : x.to(at::kFloat)).contiguous();
    const int64_t M = xf.numel() / K;
    std::vector<int64_t> out_shape(x.sizes().begin(), x.sizes().end());
    out_shape.back() = N;
    at::Tensor y = at::empty(out_shape, at::kFloat);
    const at::Tensor* w = &weight;
    float* yp = y.data_ptr<float>();
    bf16_matmul_group(&w, 1, xf.data_ptr<float>(), M, &yp);
    return y;
}

at::Tensor bf16_prefill_linear(const at::Tensor& x, const at::Tensor& weight) {
    const abi::Bf16MatrixView wv = view_of(weight);
    const int64_t N = wv.rows, K = wv.cols;
    TORCH_CHECK(x.size(-1) == K, "bf16_prefill_linear: input has ", x.size(-1), " features, the matrix expects ", K);
    at::Tensor xf = (x.scalar_type() == at::kFloat ? x : x.to(at::kFloat)).reshape({-1, K}).contiguous();
    const int64_t M = xf.size(0);
    // The tiles read x in whole vectors of 8 columns: pad a K that is not a multiple of 8.
    if (K % 8 != 0) xf = at::constant_pad_nd(xf, {0, 8 - K % 8});
    std::vector<int64_t> out_shape(x.sizes().begin(), x.sizes().end());
    out_shape.back() = N;
    at::Tensor y = at::empty(out_shape, at::kFloat);
    if (M == 0 || N == 0) return y;
    const KernelTable k = active_kernels();
    const float* xp = xf.data_ptr<float>();
    const int64_t ldx = xf.size(1);
    float* yp = y.data_ptr<float>();
    // Chunks of whole panels (16 rows), about 256 KiB of weights each: each is read from
    // memory once, widened a panel at a time, and multiplied with every row of x.
    const int64_t panels = (N + abi::kBf16PanelRows - 1) / abi::kBf16PanelRows;
    parallel_rows(panels, abi::kBf16PanelRows * K * 2, [&](int64_t p0, int64_t p1) {
        struct Free {
            void operator()(float* p) const { std::free(p); }
        };
        thread_local std::unique_ptr<float, Free> panel(
            static_cast<float*>(std::aligned_alloc(64, abi::kBf16PanelRows * abi::kBf16PanelCols * sizeof(float))));
        if (!panel) throw std::bad_alloc();
        const int64_t n1 = p1 * abi::kBf16PanelRows < N ? p1 * abi::kBf16PanelRows : N;
        k.bf16_gemm(wv, xp, M, ldx, p0 * abi::kBf16PanelRows, n1, yp, N, panel.get());
    }, int64_t(256) << 10);
    return y;
}

}  // namespace ibllm::quant
