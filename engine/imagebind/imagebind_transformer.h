#pragma once
// The pre-norm transformer block every ImageBind trunk stacks:
//   x = x + attn(norm_1(x)); x = x + mlp(norm_2(x))
// with nn.MultiheadAttention semantics (packed in_proj, optional learned extra key/value,
// q scaled by head_dim^-0.5, additive mask) and an exact-GELU MLP. The reference runs it in
// (L, B, D) layout; the math is per sequence, so this runs batch-first (B, L, D) on whole
// batches. Tensors between layers are float32; matrices may be bf16 (converted at load).
#include <ATen/core/Tensor.h>

namespace ibllm::imagebind_trunk {

// y = x W^T (+ b). W is in the compute dtype; x, b and y are float32, so the residual
// stream keeps full precision whatever the weights are.
struct Linear {
    at::Tensor weight;
    at::Tensor bias;  // undefined when the layer has none
    at::Tensor operator()(const at::Tensor& x) const;
};

struct LayerNorm {
    at::Tensor weight, bias;  // float32
    double eps = 1e-6;
    at::Tensor operator()(const at::Tensor& x) const;
};

struct Attention {
    Linear in_proj;             // [3D, D]: q, k, v stacked
    at::Tensor bias_k, bias_v;  // [1, 1, D] float32, or undefined without add_bias_kv
    Linear out_proj;
    int64_t num_heads = 1;

    // x [B, L, D] float32; mask [L, L] additive (or undefined). Returns [B, L, D].
    at::Tensor operator()(const at::Tensor& x, const at::Tensor& mask) const;
};

struct Block {
    LayerNorm norm_1, norm_2;
    Attention attn;
    Linear fc1, fc2;

    at::Tensor operator()(const at::Tensor& x, const at::Tensor& mask) const;
};

}  // namespace ibllm::imagebind_trunk
