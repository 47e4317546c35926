#include "engine/imagebind/imagebind_weight_layout.h"

#include "engine/error.h"

namespace ibllm {

namespace imagebind_keys {
std::string preprocessor(const std::string& m) { return "modality_preprocessors." + m + "."; }
std::string trunk(const std::string& m) { return "modality_trunks." + m + "."; }
std::string block(const std::string& m, int64_t i) { return trunk(m) + "blocks." + std::to_string(i) + "."; }
std::string head(const std::string& m) { return "modality_heads." + m + "."; }
std::string log_logit_scale(const std::string& m) { return "modality_postprocessors." + m + ".1.log_logit_scale"; }
std::string stem_projection(const std::string& m, const TrunkConfig& t) {
    if (t.stem == StemKind::TokenEmbedding) return preprocessor(m) + t.stem_module;
    // PatchEmbedGeneric keeps a one-element stem bare and wraps longer ones in a Sequential;
    // vision's is [PadIm2Video, Conv3d], so its conv is proj.1.
    return preprocessor(m) + t.stem_module + (t.pad_im2video_ntimes > 0 ? ".proj.1" : ".proj");
}
}  // namespace imagebind_keys

namespace {

namespace keys = imagebind_keys;

// state_dict lists a module's own parameters, then its buffers, then its submodules.
void preprocessor_shapes(const std::string& m, const TrunkConfig& t, TensorShapes& out) {
    const std::string p = keys::preprocessor(m);
    const int64_t D = t.embed_dim;
    if (t.stem == StemKind::TokenEmbedding) {
        out.push_back({p + t.pos_embed_key, {1, t.num_tokens(), D}});
        if (t.causal_mask) out.push_back({p + "mask", {t.context_length, t.context_length}});
        out.push_back({p + "token_embedding.weight", {t.vocab_size, D}});
        return;
    }
    // A pos_embed owned by the preprocessor itself (IMU) comes before the cls token; one
    // owned by pos_embedding_helper (a submodule) comes after the stem.
    const bool own_pos = t.pos_embed_key.find('.') == std::string::npos;
    if (own_pos) out.push_back({p + t.pos_embed_key, {1, t.num_tokens(), D}});
    if (t.num_cls_tokens > 0) out.push_back({p + "cls_token", {1, t.num_cls_tokens, D}});
    const std::string proj = keys::stem_projection(m, t);
    std::vector<int64_t> w;
    if (t.stem == StemKind::UnfoldLinear) {
        w = {D, t.stem_in_features};
    } else {
        w = {D, t.in_channels};
        w.insert(w.end(), t.kernel_size.begin(), t.kernel_size.end());
    }
    out.push_back({proj + ".weight", w});
    if (t.stem_bias) out.push_back({proj + ".bias", {D}});
    if (t.stem_ln) {
        out.push_back({p + t.stem_module + ".norm_layer.weight", {D}});
        out.push_back({p + t.stem_module + ".norm_layer.bias", {D}});
    }
    if (!own_pos) out.push_back({p + t.pos_embed_key, {1, t.num_tokens(), D}});
}

void trunk_shapes(const std::string& m, const TrunkConfig& t, TensorShapes& out) {
    const int64_t D = t.embed_dim, F = t.mlp_hidden_dim;
    if (t.pre_transformer_ln) {
        out.push_back({keys::trunk(m) + "pre_transformer_layer.0.weight", {D}});
        out.push_back({keys::trunk(m) + "pre_transformer_layer.0.bias", {D}});
    }
    for (int64_t i = 0; i < t.num_blocks; ++i) {
        const std::string b = keys::block(m, i);
        out.push_back({b + "attn.in_proj_weight", {3 * D, D}});
        if (t.attn_qkv_bias) out.push_back({b + "attn.in_proj_bias", {3 * D}});
        if (t.add_bias_kv) {
            out.push_back({b + "attn.bias_k", {1, 1, D}});
            out.push_back({b + "attn.bias_v", {1, 1, D}});
        }
        out.push_back({b + "attn.out_proj.weight", {D, D}});
        if (t.attn_qkv_bias) out.push_back({b + "attn.out_proj.bias", {D}});  // nn.MultiheadAttention(bias=) sets both
        out.push_back({b + "norm_1.weight", {D}});
        out.push_back({b + "norm_1.bias", {D}});
        out.push_back({b + "mlp.fc1.weight", {F, D}});
        out.push_back({b + "mlp.fc1.bias", {F}});
        out.push_back({b + "mlp.fc2.weight", {D, F}});
        out.push_back({b + "mlp.fc2.bias", {D}});
        out.push_back({b + "norm_2.weight", {D}});
        out.push_back({b + "norm_2.bias", {D}});
    }
}

void head_shapes(const std::string& m, const TrunkConfig& t, int64_t out_dim, TensorShapes& out) {
    const std::string h = keys::head(m) + (t.stem == StemKind::TokenEmbedding ? "proj." : "");
    const int64_t D = t.embed_dim;
    out.push_back({h + "0.weight", {D}});
    out.push_back({h + "0.bias", {D}});
    const std::string linear = h + std::to_string(t.head.linear_index);
    out.push_back({linear + ".weight", {out_dim, D}});
    if (t.head.proj_bias) out.push_back({linear + ".bias", {out_dim}});
}

void postprocessor_shapes(const std::string& m, const TrunkConfig& t, TensorShapes& out) {
    if (t.postprocess.logit_scale) out.push_back({keys::log_logit_scale(m), {}});
}

const TrunkConfig& trunk_of(const ImageBindConfig& config, const std::string& modality) {
    const auto it = config.modalities.find(modality);
    if (it == config.modalities.end()) throw Error("The ImageBind config has no '" + modality + "' modality.");
    return it->second;
}

}  // namespace

TensorShapes expected_shapes(const ImageBindConfig& config, const std::string& modality) {
    const TrunkConfig& t = trunk_of(config, modality);
    TensorShapes out;
    preprocessor_shapes(modality, t, out);
    trunk_shapes(modality, t, out);
    head_shapes(modality, t, config.out_embed_dim, out);
    postprocessor_shapes(modality, t, out);
    return out;
}

TensorShapes expected_shapes(const ImageBindConfig& config) {
    std::vector<std::string> present;
    for (const std::string& m : imagebind_modality_names())
        if (config.modalities.count(m)) present.push_back(m);
    TensorShapes out;
    for (const auto& m : present) preprocessor_shapes(m, trunk_of(config, m), out);
    for (const auto& m : present) trunk_shapes(m, trunk_of(config, m), out);
    for (const auto& m : present) head_shapes(m, trunk_of(config, m), config.out_embed_dim, out);
    for (const auto& m : present) postprocessor_shapes(m, trunk_of(config, m), out);
    return out;
}

}  // namespace ibllm
