#pragma once
// Embedding-space arithmetic: several ImageBind embeddings (one per attachment) become
// one visual feature, exactly as the reference forward_visual does before the bridge.
#include <ATen/core/Tensor.h>

#include <vector>

namespace ibllm {

struct WeightedEmbedding {
    at::Tensor embedding;  // [D] or [1, D], any floating dtype; need not be normalised
    double weight = 1.0;
};

// sum_i normalize(x_i) * w_i / (sum(w) + 1e-6), as a [1, D] float32 tensor.
// The result is deliberately NOT re-normalised: the reference feeds this raw weighted sum
// into the bridge (or into the visual cache), and the goldens depend on it.
// Throws ibllm::Error for no inputs, weights that add up to zero, mismatched sizes or NaN.
at::Tensor fuse_embeddings(const std::vector<WeightedEmbedding>& inputs);

}  // namespace ibllm
