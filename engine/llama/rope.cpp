#include "engine/llama/rope.h"

#include <ATen/ATen.h>

#include <vector>

namespace ibllm {

Rope::Rope(int64_t head_dim, int64_t positions) {
    at::Tensor idx = at::arange(0, head_dim, 2, at::kLong).to(at::kFloat).div(static_cast<double>(head_dim));
    at::Tensor freqs = at::pow(10000.0, idx).reciprocal();  // float32 like the reference
    at::Tensor t = at::arange(positions, at::kLong).to(at::kFloat);
    at::Tensor angles = at::outer(t, freqs);
    cos_ = angles.cos().contiguous();
    sin_ = angles.sin().contiguous();
}

at::Tensor Rope::apply(const at::Tensor& x, int64_t start_pos) const {
    TORCH_CHECK(x.dim() >= 3, "RoPE expects [..., seqlen, n_heads, head_dim]");
    const int64_t n = x.size(-3);
    TORCH_CHECK(start_pos + n <= positions(), "position beyond the RoPE table");
    std::vector<int64_t> pairs(x.sizes().begin(), x.sizes().end());
    pairs.back() /= 2;
    pairs.push_back(2);
    at::Tensor xf = x.to(at::kFloat).reshape(pairs);
    at::Tensor re = xf.select(-1, 0), im = xf.select(-1, 1);
    at::Tensor c = cos_.narrow(0, start_pos, n).unsqueeze(1);  // [n, 1, hd/2]
    at::Tensor s = sin_.narrow(0, start_pos, n).unsqueeze(1);
    at::Tensor out_re = re * c - im * s;
    at::Tensor out_im = re * s + im * c;
    return at::stack({out_re, out_im}, -1).reshape(x.sizes());
}

void Rope::rotate(float* x, int64_t n_heads, int64_t pos) const {
    TORCH_CHECK(pos >= 0 && pos < positions(), "position beyond the RoPE table");
    const int64_t half = cos_.size(1);
    const float* c = cos_.data_ptr<float>() + pos * half;
    const float* s = sin_.data_ptr<float>() + pos * half;
    for (int64_t h = 0; h < n_heads; ++h) {
        float* xh = x + h * 2 * half;
        for (int64_t i = 0; i < half; ++i) {
            const float re = xh[2 * i], im = xh[2 * i + 1];
            xh[2 * i] = re * c[i] - im * s[i];
            xh[2 * i + 1] = re * s[i] + im * c[i];
        }
    }
}

}  // namespace ibllm
