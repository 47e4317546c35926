#include "engine/onellm/onellm_weights.h"

#include <ATen/ATen.h>

#include "engine/checkpoint/tensor_store.h"

namespace ibllm {

namespace {

// Matrices (what the products read) in the encoders' dtype; everything else in float32, which
// the residual stream, the norms and the additions keep.
struct Reader {
    const TensorStore& s;
    at::ScalarType dtype;
    at::Tensor get(const std::string& name, at::IntArrayRef shape) const { return s.get(name, shape).to(at::kFloat).contiguous(); }
    at::Tensor matrix(const std::string& name, at::IntArrayRef shape) const { return s.get(name, shape).to(dtype).contiguous(); }
    DenseLayer dense(const std::string& name, int64_t out, int64_t in, bool bias = true) const {
        DenseLayer d;
        d.weight = matrix(name + ".weight", {out, in});
        if (bias) d.bias = get(name + ".bias", {out});
        return d;
    }
    LayerNormWeights norm(const std::string& name, int64_t n) const {
        return {get(name + ".weight", {n}), get(name + ".bias", {n}), 1e-5};
    }
};

}  // namespace

OnellmEncoderWeights load_onellm_encoder_weights(const TensorStore& checkpoint, const OnellmConfig& c, at::ScalarType dtype) {
    const Reader r{checkpoint, dtype};
    const int64_t W = c.clip_width, D = c.llama.dim, p = c.clip_patch;
    OnellmEncoderWeights w;
    w.patch_conv = r.matrix("clip.visual.conv1.weight", {W, 3, p, p});
    w.class_embedding = r.get("clip.visual.class_embedding", {W});
    w.ln_pre = r.norm("clip.visual.ln_pre", W);
    w.ln_post = r.norm("clip.visual.ln_post", W);
    for (int64_t i = 0; i < c.clip_layers; ++i) {
        const std::string b = "clip.visual.transformer.resblocks." + std::to_string(i) + ".";
        ClipBlockWeights blk;
        blk.ln_1 = r.norm(b + "ln_1", W);
        blk.ln_2 = r.norm(b + "ln_2", W);
        blk.in_proj = {r.matrix(b + "attn.in_proj_weight", {3 * W, W}), r.get(b + "attn.in_proj_bias", {3 * W})};
        blk.out_proj = r.dense(b + "attn.out_proj", W, W);
        const int64_t mlp = checkpoint.get(b + "mlp.c_fc.weight").size(0);
        blk.c_fc = r.dense(b + "mlp.c_fc", mlp, W);
        blk.c_proj = r.dense(b + "mlp.c_proj", W, mlp);
        w.blocks.push_back(std::move(blk));
    }
    const int64_t ka = c.audio_kernel;
    w.audio_conv = r.matrix("conv1.audio.weight", {W, 1, ka, ka});
    w.audio_conv_bias = r.get("conv1.audio.bias", {W});
    w.point_conv = r.matrix("conv1.point.conv1.weight", {W, 6, 1, 1});
    w.point_conv_bias = r.get("conv1.point.conv1.bias", {W});
    w.fmri = r.dense("conv1.fmri", c.fmri_tokens * W, c.fmri_voxels);
    w.imu_conv = r.matrix("conv1.imu.weight", {W, 6, c.imu_kernel});

    const int64_t F = c.resample_ffn;
    for (int64_t e = 0; e < c.experts; ++e) {
        std::vector<ResampleLayerWeights> layers;
        for (int64_t l = 0; l < c.resample_layers; ++l) {
            const std::string b = "resample_layers." + std::to_string(e) + "." + std::to_string(l) + ".";
            ResampleLayerWeights x;
            x.attention_norm = r.get(b + "attention_norm.weight", {W});
            x.ffn_norm = r.get(b + "ffn_norm.weight", {W});
            x.wqkv = at::cat({r.matrix(b + "attention.wq.weight", {W, W}), r.matrix(b + "attention.wk.weight", {W, W}),
                              r.matrix(b + "attention.wv.weight", {W, W})});
            x.wo = r.matrix(b + "attention.wo.weight", {W, W});
            x.w13 = at::cat({r.matrix(b + "feed_forward.w1.weight", {F, W}), r.matrix(b + "feed_forward.w3.weight", {F, W})});
            x.w2 = r.matrix(b + "feed_forward.w2.weight", {W, F});
            layers.push_back(std::move(x));
        }
        w.experts.push_back(std::move(layers));
    }

    const at::Tensor clip_positional = r.get("clip.visual.positional_embedding", {c.clip_grid * c.clip_grid + 1, W});
    for (OnellmModality m : kOnellmModalities) {
        const std::string n = to_string(m);
        ModalityWeights& mw = w.modalities[static_cast<size_t>(m)];
        if (uses_clip_patches(m)) {
            mw.positional = clip_positional;
        } else {
            const int64_t rows = m == OnellmModality::Audio   ? c.audio_tokens_h() * c.audio_tokens_w() + 1
                                 : m == OnellmModality::Point ? c.point_groups + 1
                                 : m == OnellmModality::Fmri  ? c.fmri_tokens + 1
                                                              : c.imu_tokens() + 1;
            mw.positional = r.get("positional_embedding." + n, {rows, W});
        }
        mw.resample_tokens = r.get("resample_tokens." + n, {1, c.image_words, W}).reshape({c.image_words, W});
        mw.proj1 = r.dense("clip_proj1." + n + ".0", W, W);
        mw.proj1_norm = r.norm("clip_proj1." + n + ".1", W);
        mw.proj2 = r.dense("clip_proj2." + n + ".0", D, W);
        mw.proj2_norm = r.norm("clip_proj2." + n + ".1", D);
        const int64_t hidden = checkpoint.get("routers." + n + ".fc1.weight").size(0);
        mw.router_fc1 = r.dense("routers." + n + ".fc1", hidden, W);
        mw.router_fc2 = r.dense("routers." + n + ".fc2", c.experts, hidden);
        mw.start_tag = r.get("start_tag." + n, {1, 1, D}).reshape({D});
        mw.end_tag = r.get("end_tag." + n, {1, 1, D}).reshape({D});
    }
    return w;
}

}  // namespace ibllm
