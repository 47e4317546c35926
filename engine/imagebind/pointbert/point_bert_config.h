#pragma once
// Sizes and constants of the Point-Bind 3D encoder: the Point-BERT point transformer, its
// projection into ImageBind's space, the point head and the point post-processor. The
// real imagebind_w3D.pth is a built-in preset; other sizes come from the "point" section
// of a config with the fixture schema (imagebind_llm_config/1).
#include <array>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace ibllm {

struct PointBertConfig {
    // Point transformer.
    int64_t trans_dim = 384;
    int64_t depth = 12;
    int64_t num_heads = 6;
    int64_t mlp_hidden_dim = 1536;
    bool attn_qkv_bias = false;
    double attn_scale = 0.125;  // head_dim^-0.5
    double block_ln_eps = 1e-5;
    double final_ln_eps = 1e-5;

    // Grouping: num_group centres by farthest-point sampling, group_size nearest neighbours each.
    int64_t num_group = 512;
    int64_t group_size = 32;
    int64_t fps_start_index = 0;  // the reference draws it at random; parity pins 0

    // Mini-PointNet group encoder. The reference hard-codes the inner widths (128, 256, 512),
    // so they are not part of the config schema.
    int64_t encoder_dims = 256;
    int64_t encoder_hidden1 = 128;
    int64_t encoder_feature = 256;
    int64_t encoder_hidden2 = 512;
    double bn_eps = 1e-5;

    int64_t pos_embed_hidden = 128;
    std::array<int64_t, 2> pc_projection_shape{768, 512};  // [2 * trans_dim, head input]

    // Head: LayerNorm(head_in_dim) -> Linear(head_in_dim, out_embed_dim, no bias).
    double head_ln_eps = 1e-6;
    int64_t head_in_dim = 512;
    bool head_proj_bias = false;
    int64_t out_embed_dim = 1024;

    // Post-processor: L2 normalise, then scale by min(exp(log_logit_scale), logit_scale_max).
    double normalize_eps = 1e-12;
    double logit_scale_max = 100.0;

    int64_t head_dim() const { return trans_dim / num_heads; }

    // `point_section` is the config's "point" object; `source` names the file in errors.
    static PointBertConfig from_json(const nlohmann::json& point_section, int64_t out_embed_dim,
                                     const std::string& source = "the ImageBind config");
    // The Point-BERT of imagebind_w3D.pth (PointTransformer_8192point.yaml), out_embed_dim 1024.
    static PointBertConfig huge();

    bool operator==(const PointBertConfig& o) const;
    bool operator!=(const PointBertConfig& o) const { return !(*this == o); }
};

}  // namespace ibllm
