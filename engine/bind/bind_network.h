#pragma once
// The ImageBind-LLM bridge: maps one fused ImageBind feature to one LLaMA-sized "visual
// token" (a projection plus three residual SwiGLU blocks), which the adapter layers inject.
#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ibllm {

class TensorStore;

class BindNetwork {
public:
    // Reads image_bind_proj.*, image_bind_norm_{1,2,3}.* and image_bind_f{1,2,3}_{1,2,3}.*
    // from the adapter checkpoint (the 'model' dict of 7B.pth). Sizes come from the tensors
    // and every shape is checked. A norm with a `.bias` selects the legacy bridge (LayerNorm,
    // biased f1/f2/f3). `dtype` (float32 or bfloat16) is the compute type of the linear
    // layers; weights are converted once here. Throws ibllm::Error naming the file.
    BindNetwork(const TensorStore& adapter, at::ScalarType dtype);

    // [1, visual_dim] (or [visual_dim]) fused feature -> [1, dim] float32 visual token; a
    // batch [B, visual_dim] gives [B, dim] (training). ATen ops only, so autograd flows
    // through trainable weights.
    at::Tensor forward(const at::Tensor& fused) const;

    // Every weight with its checkpoint name, in the reference module's order
    // (image_bind_proj.weight, .bias, image_bind_norm_1.weight, image_bind_f1_1.weight, ...).
    // Training replaces them through these pointers with trainable float32 copies.
    std::vector<std::pair<std::string, at::Tensor*>> named_tensors();

    int64_t visual_dim() const { return visual_dim_; }
    int64_t dim() const { return dim_; }
    int64_t hidden_dim() const { return hidden_dim_; }
    bool is_legacy() const { return legacy_; }
    at::ScalarType dtype() const { return dtype_; }

private:
    struct Block {
        at::Tensor norm_weight, norm_bias;  // float32; bias only in the legacy bridge
        at::Tensor w1, w2, w3;              // in dtype_
        at::Tensor b1, b2, b3;              // legacy bridge only
    };
    at::Tensor normalize(const Block& block, const at::Tensor& x) const;

    at::ScalarType dtype_;
    bool legacy_ = false;
    int64_t visual_dim_ = 0, dim_ = 0, hidden_dim_ = 0;
    at::Tensor proj_weight_, proj_bias_;
    std::array<Block, 3> blocks_;
};

}  // namespace ibllm
