#pragma once
// The Point-Bind 3D encoder: ImageBind-LLM's point_trunk (Point-BERT point transformer +
// pc_projection), the point head and the point post-processor, loaded from the
// point_trunk.* / modality_heads.point.* / modality_postprocessors.point.* entries of
// imagebind_w3D.pth. A point cloud goes in, one L2-normalised, logit-scaled embedding comes
// out per cloud.
#include <ATen/core/Tensor.h>

#include <atomic>
#include <c10/core/ScalarType.h>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/imagebind/pointbert/point_bert_config.h"

namespace ibllm {

class TensorStore;

// Intermediates of one forward(), float32, named as the fixture's golden.pth point.* keys.
struct PointTrace {
    at::Tensor neighborhood;   // [B, G, M, 3] xyz[knn_idx] - center, in knn_idx order
    at::Tensor center;         // [B, G, 3]
    at::Tensor group_feat;     // [B, G, encoder_dims] mini-PointNet output
    at::Tensor group_tokens;   // [B, G, trans_dim] reduce_dim(group_feat)
    at::Tensor group_pos;      // [B, G, trans_dim] pos_embed(center)
    at::Tensor block0_out;     // [B, 1+G, trans_dim]
    at::Tensor blocks_out;     // [B, 1+G, trans_dim] before the final LayerNorm
    at::Tensor norm_out;       // [B, 1+G, trans_dim]
    at::Tensor encoder_out;    // [B, 2*trans_dim] cat([cls, max over groups])
    at::Tensor trunk_out;      // [B, 512] after pc_projection
    at::Tensor head_out;       // [B, out_embed_dim]
    at::Tensor post_per_item;  // [B, out_embed_dim] normalised and scaled (== the output)
    at::Tensor fps_idx;        // [B, G] int64
    at::Tensor knn_idx;        // [B, G, M] int64, ascending distance then index
};

class PointEncoder {
public:
    // `dtype` is the compute type of the large matrix products: at::kFloat (parity) or
    // at::kBFloat16 (faster on CPUs with bf16 support); norms, softmax and the output stay
    // float32. A checkpoint whose shapes do not fit `config` is an ibllm::Error naming the file.
    PointEncoder(const TensorStore& weights, const PointBertConfig& config, at::ScalarType dtype = at::kFloat);
    ~PointEncoder();
    PointEncoder(PointEncoder&&) noexcept;
    PointEncoder& operator=(PointEncoder&&) noexcept;

    // True when the checkpoint carries the 3D encoder (imagebind_w3D.pth does, the plain
    // ImageBind-huge checkpoint does not).
    static bool present(const TensorStore& weights);

    // Every tensor the encoder reads, with the shape it requires under `config`.
    static std::vector<std::pair<std::string, std::vector<int64_t>>> weight_shapes(const PointBertConfig& config);

    // xyz: [B, N, 3] of any floating type (cast to float32, as the reference requires of a
    // float64 cloud). N must be at least config.group_size. Returns [B, out_embed_dim] float32.
    // `cancel` is checked before grouping and between transformer blocks (throws Cancelled).
    at::Tensor forward(const at::Tensor& xyz, PointTrace* trace = nullptr, const std::atomic<bool>* cancel = nullptr) const;

    const PointBertConfig& config() const { return config_; }
    at::ScalarType dtype() const { return dtype_; }
    float logit_scale() const;  // min(exp(log_logit_scale), logit_scale_max)

private:
    struct Weights;
    PointBertConfig config_;
    at::ScalarType dtype_;
    std::unique_ptr<const Weights> w_;
};

}  // namespace ibllm
