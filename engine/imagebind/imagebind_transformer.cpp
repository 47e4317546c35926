#include "engine/imagebind/imagebind_transformer.h"

#include <ATen/ATen.h>

#include <cmath>

namespace ibllm::imagebind_trunk {

at::Tensor Linear::operator()(const at::Tensor& x) const {
    if (weight.scalar_type() == at::kFloat) return at::linear(x, weight, bias);
    // Reduced precision: multiply in the weight's dtype, accumulate the bias in float32.
    at::Tensor y = at::linear(x.to(weight.scalar_type()), weight).to(at::kFloat);
    if (bias.defined()) y.add_(bias);
    return y;
}

at::Tensor LayerNorm::operator()(const at::Tensor& x) const {
    return at::layer_norm(x, {weight.size(0)}, weight, bias, eps);
}

at::Tensor Attention::operator()(const at::Tensor& x, const at::Tensor& mask) const {
    const int64_t B = x.size(0), L = x.size(1), D = x.size(2);
    const int64_t H = num_heads, hd = D / H;
    // The two attention products run in the weights' dtype too (as torch.autocast would):
    // in bf16 they are 3x faster than float32 and the softmax still sees float32 scores.
    const at::ScalarType product = in_proj.weight.scalar_type();
    // [B, L, 3, H, hd] -> [3, B, H, L, hd]: views, no copy.
    const at::Tensor qkv = in_proj(x).view({B, L, 3, H, hd}).permute({2, 0, 3, 1, 4});
    const at::Tensor q = (qkv[0] * (1.0 / std::sqrt(static_cast<double>(hd)))).to(product);
    at::Tensor k = qkv[1], v = qkv[2];
    if (bias_k.defined()) {
        // The learned extra key/value is one more position every query can attend to.
        k = at::cat({k, bias_k.view({1, H, 1, hd}).expand({B, H, 1, hd})}, 2);
        v = at::cat({v, bias_v.view({1, H, 1, hd}).expand({B, H, 1, hd})}, 2);
    }
    at::Tensor scores = at::matmul(q, k.to(product).transpose(-2, -1)).to(at::kFloat);  // [B, H, L, Lk]
    // The extra key/value column is never masked (MultiheadAttention pads the mask with 0).
    if (mask.defined()) scores.narrow(-1, 0, mask.size(-1)).add_(mask);
    const at::Tensor probs = at::softmax(scores, -1).to(product);
    const at::Tensor context = at::matmul(probs, v.to(product)).permute({0, 2, 1, 3}).reshape({B, L, D});
    return out_proj(context);
}

at::Tensor Block::operator()(const at::Tensor& x, const at::Tensor& mask) const {
    at::Tensor h = attn(norm_1(x), mask).add_(x);
    return fc2(at::gelu(fc1(norm_2(h)))).add_(h);
}

}  // namespace ibllm::imagebind_trunk
