#include "engine/imagebind/imagebind_model.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

#include "engine/checkpoint/tensor_format.h"
#include "engine/checkpoint/tensor_store.h"
#include "engine/error.h"
#include "engine/imagebind/imagebind_patches.h"
#include "engine/imagebind/imagebind_transformer.h"
#include "engine/imagebind/imagebind_weight_layout.h"

namespace ibllm {

using imagebind_trunk::Block;
using imagebind_trunk::LayerNorm;
using imagebind_trunk::Linear;
namespace keys = imagebind_keys;

const char* trunk_name(ImageBindTrunk trunk) {
    switch (trunk) {
        case ImageBindTrunk::Vision: return "vision";
        case ImageBindTrunk::Text: return "text";
        case ImageBindTrunk::Audio: return "audio";
        case ImageBindTrunk::Depth: return "depth";
        case ImageBindTrunk::Thermal: return "thermal";
        case ImageBindTrunk::Imu: return "imu";
    }
    return "?";
}

namespace {

constexpr std::array<ImageBindTrunk, 6> kTrunks = {ImageBindTrunk::Vision, ImageBindTrunk::Text,
                                                   ImageBindTrunk::Audio,  ImageBindTrunk::Depth,
                                                   ImageBindTrunk::Thermal, ImageBindTrunk::Imu};

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

struct ImageBindModel::Encoder {
    std::string name;
    TrunkConfig cfg;

    Linear stem;                 // patches (or IMU windows) -> D; text: unused
    at::Tensor token_embedding;  // text [vocab, D] float32
    LayerNorm stem_norm;         // defined when cfg.stem_ln
    at::Tensor cls_token;        // [1, ncls, D] or undefined
    at::Tensor pos_embed;        // [1, L, D]
    at::Tensor mask;             // text: [L, L] additive causal mask, or undefined

    LayerNorm pre_norm;  // defined when cfg.pre_transformer_ln
    std::vector<Block> blocks;

    LayerNorm head_norm;
    Linear head_proj;
    // 0-d float32 log_logit_scale, or undefined. The factor min(exp(.), max) is taken at every
    // forward, so that a trained scale (train imagebind) gets its gradient each step.
    at::Tensor log_logit_scale;

    // Rank of one item without clips (vision also takes images, one less).
    int64_t item_rank() const {
        switch (cfg.stem) {
            case StemKind::Conv3dPatches: return 5;
            case StemKind::Conv2dPatches: return 4;
            case StemKind::UnfoldLinear: return 3;
            case StemKind::TokenEmbedding: return 2;
        }
        return 0;
    }

    at::Tensor embed_tokens(const at::Tensor& items, EncoderTrace* trace) const;
    at::Tensor run_trunk(at::Tensor x, EncoderTrace* trace, const std::atomic<bool>* cancel) const;
    at::Tensor head(const at::Tensor& x, const at::Tensor& seq_len) const;
    at::Tensor postprocess(const at::Tensor& head_out) const;
};

namespace {

// Reads an encoder's tensors after the whole list was checked against the config.
class EncoderLoader {
public:
    EncoderLoader(const TensorStore& store, at::ScalarType dtype) : store_(store), dtype_(dtype) {}

    // Float32 vectors, embeddings and scalars.
    at::Tensor f32(const std::string& name) const { return store_.get(name).to(at::kFloat); }

    // A matrix of a large product, in the compute dtype (the source pages are dropped once
    // converted, so the float32 copy stops counting in memory).
    at::Tensor matrix(const std::string& name) const {
        at::Tensor t = store_.get(name);
        if (t.scalar_type() == dtype_) return t;
        at::Tensor converted = t.to(dtype_);
        store_.release_pages(t);
        return converted;
    }

    Linear linear(const std::string& prefix, bool bias) const {
        Linear l;
        l.weight = matrix(prefix + ".weight");
        if (bias) l.bias = f32(prefix + ".bias");
        return l;
    }

    LayerNorm norm(const std::string& prefix, double eps) const {
        LayerNorm n;
        n.weight = f32(prefix + ".weight");
        n.bias = f32(prefix + ".bias");
        n.eps = eps;
        return n;
    }

private:
    const TensorStore& store_;
    at::ScalarType dtype_;
};

}  // namespace

// Loads one modality, or returns null when the checkpoint holds none of its tensors.
std::unique_ptr<ImageBindModel::Encoder> ImageBindModel::load_encoder(const TensorStore& store, const ImageBindConfig& config,
                                                                      const std::string& m, at::ScalarType dtype) {
    const TensorShapes shapes = expected_shapes(config, m);
    const bool any = std::any_of(shapes.begin(), shapes.end(), [&](const auto& s) { return store.contains(s.first); });
    if (!any) return nullptr;
    for (const auto& [name, shape] : shapes) {
        const at::Tensor t = store.get(name);  // missing -> Error naming the file and the tensor
        if (t.sizes() != at::IntArrayRef(shape))
            throw Error(store.source() + ": '" + name + "' has shape " + shape_string(t.sizes()) + " but " +
                        (config.source.empty() ? std::string("the ImageBind config") : config.source) + " needs " +
                        shape_string(shape) + "; use the config made for this checkpoint (none for imagebind_w3D.pth).");
    }

    const TrunkConfig& t = config.modalities.at(m);
    const EncoderLoader L(store, dtype);
    auto e = std::make_unique<Encoder>();
    const std::string p = keys::preprocessor(m);
    e->name = m;
    e->cfg = t;
    if (t.stem == StemKind::TokenEmbedding) {
        e->token_embedding = L.f32(p + "token_embedding.weight");
        if (t.causal_mask) e->mask = L.f32(p + "mask");
    } else {
        const std::string proj = keys::stem_projection(m, t);
        e->stem.weight = L.matrix(proj + ".weight").reshape({t.embed_dim, -1});
        if (t.stem_bias) e->stem.bias = L.f32(proj + ".bias");
        if (t.stem_ln) e->stem_norm = L.norm(p + t.stem_module + ".norm_layer", t.stem_ln_eps);
        if (t.num_cls_tokens > 0) e->cls_token = L.f32(p + "cls_token");
    }
    e->pos_embed = L.f32(p + t.pos_embed_key);

    if (t.pre_transformer_ln) e->pre_norm = L.norm(keys::trunk(m) + "pre_transformer_layer.0", t.pre_transformer_ln_eps);
    for (int64_t i = 0; i < t.num_blocks; ++i) {
        const std::string b = keys::block(m, i);
        Block block;
        block.norm_1 = L.norm(b + "norm_1", t.block_ln_eps);
        block.norm_2 = L.norm(b + "norm_2", t.block_ln_eps);
        block.attn.in_proj.weight = L.matrix(b + "attn.in_proj_weight");
        if (t.attn_qkv_bias) block.attn.in_proj.bias = L.f32(b + "attn.in_proj_bias");
        if (t.add_bias_kv) {
            block.attn.bias_k = L.f32(b + "attn.bias_k");
            block.attn.bias_v = L.f32(b + "attn.bias_v");
        }
        block.attn.out_proj = L.linear(b + "attn.out_proj", t.attn_qkv_bias);
        block.attn.num_heads = t.num_heads;
        block.fc1 = L.linear(b + "mlp.fc1", true);
        block.fc2 = L.linear(b + "mlp.fc2", true);
        e->blocks.push_back(std::move(block));
    }

    const std::string h = keys::head(m) + (t.stem == StemKind::TokenEmbedding ? "proj." : "");
    e->head_norm = L.norm(h + "0", t.head.ln_eps);
    e->head_proj = L.linear(h + std::to_string(t.head.linear_index), t.head.proj_bias);
    if (t.postprocess.logit_scale) {
        e->log_logit_scale = L.f32(keys::log_logit_scale(m));
    }
    return e;
}

namespace {

// A checkpoint with none of ImageBind's tensors is the wrong file altogether (a LLaMA or
// adapter checkpoint given by mistake); say so rather than "modality unavailable".
void check_is_imagebind(const TensorStore& store) {
    for (const std::string& n : store.names())
        if (starts_with(n, "modality_") || starts_with(n, "point_trunk.")) return;
    const std::string example = store.size() ? " such as '" + store.names().front() + "'" : "";
    throw Error(store.source() + " is not an ImageBind checkpoint (it has none of the modality_* tensors, but " +
                std::to_string(store.size()) + " others" + example + "); use imagebind_w3D.pth.");
}

std::string shape_text(const at::Tensor& t) { return shape_string(t.sizes()); }

}  // namespace

at::Tensor ImageBindModel::Encoder::embed_tokens(const at::Tensor& items, EncoderTrace* trace) const {
    const TrunkConfig& t = cfg;
    at::Tensor patches;
    switch (t.stem) {
        case StemKind::TokenEmbedding: {
            at::Tensor stem_out = at::embedding(token_embedding, items);
            if (trace) trace->stem_out = stem_out;
            return stem_out + pos_embed;
        }
        case StemKind::UnfoldLinear:
            patches = imagebind_trunk::time_windows(items, t.kernel_size[0]);
            break;
        case StemKind::Conv3dPatches:
        case StemKind::Conv2dPatches:
            patches = imagebind_trunk::conv_patches(items, t.kernel_size, t.stride);
            break;
    }
    at::Tensor stem_out = stem(patches);
    if (t.stem_ln) stem_out = stem_norm(stem_out);
    if (trace) trace->stem_out = stem_out;
    at::Tensor tokens = stem_out;
    if (cls_token.defined()) tokens = at::cat({cls_token.expand({stem_out.size(0), -1, -1}), stem_out}, 1);
    return tokens + pos_embed;
}

at::Tensor ImageBindModel::Encoder::run_trunk(at::Tensor x, EncoderTrace* trace, const std::atomic<bool>* cancel) const {
    if (pre_norm.weight.defined()) x = pre_norm(x);
    for (size_t i = 0; i < blocks.size(); ++i) {
        if (cancel && cancel->load(std::memory_order_relaxed)) throw Cancelled();
        x = blocks[i](x, mask);
        if (i == 0 && trace) trace->block0_out = x;
    }
    return x;
}

at::Tensor ImageBindModel::Encoder::head(const at::Tensor& x, const at::Tensor& seq_len) const {
    // LayerNorm is per token, so normalising only the selected token equals the reference's
    // LayerNorm-then-select.
    at::Tensor selected;
    if (seq_len.defined()) {
        const int64_t N = x.size(0), L = x.size(1);
        const at::Tensor rows = at::arange(N, seq_len.options()) * L + seq_len;
        selected = x.reshape({N * L, x.size(2)}).index_select(0, rows);
    } else {
        selected = x.select(1, cfg.head.select_index);
    }
    return head_proj(head_norm(selected));
}

at::Tensor ImageBindModel::Encoder::postprocess(const at::Tensor& head_out) const {
    at::Tensor y = head_out;
    if (cfg.postprocess.normalize)  // F.normalize(p=2): x / max(|x|, eps)
        y = y / y.norm(2, {-1}, true).clamp_min(cfg.postprocess.normalize_eps);
    // As LearnableLogitScaling: clip(exp(log_logit_scale), max), in float32.
    if (log_logit_scale.defined()) y = at::clamp_max(log_logit_scale.exp(), cfg.postprocess.logit_scale_max) * y;
    return y;
}

ImageBindModel::ImageBindModel(const TensorStore& weights, const ImageBindConfig& config, at::ScalarType dtype)
    : config_(config), dtype_(dtype) {
    if (dtype != at::kFloat && dtype != at::kBFloat16)
        throw Error("The ImageBind encoders compute in float32 or bf16 only; choose one of those precisions.");
    check_is_imagebind(weights);
    for (size_t i = 0; i < kTrunks.size(); ++i) {
        const std::string m = trunk_name(kTrunks[i]);
        if (!config_.modalities.count(m)) continue;
        encoders_[i] = load_encoder(weights, config_, m, dtype_);
    }
}

ImageBindModel::~ImageBindModel() = default;
ImageBindModel::ImageBindModel(ImageBindModel&&) noexcept = default;
ImageBindModel& ImageBindModel::operator=(ImageBindModel&&) noexcept = default;

bool ImageBindModel::has(ImageBindTrunk trunk) const { return encoders_[static_cast<size_t>(trunk)] != nullptr; }

const ImageBindModel::Encoder& ImageBindModel::encoder(ImageBindTrunk trunk) const {
    const auto& e = encoders_[static_cast<size_t>(trunk)];
    if (!e)
        throw Error(std::string("The ImageBind checkpoint has no ") + trunk_name(trunk) + " encoder (its " +
                    trunk_name(trunk) + " tensors are missing); use the full imagebind_w3D.pth.");
    return *e;
}

double ImageBindModel::logit_scale(ImageBindTrunk trunk) const {
    const Encoder& e = encoder(trunk);
    if (!e.log_logit_scale.defined()) return 1.0;
    return std::min(std::exp(e.log_logit_scale.item<double>()), e.cfg.postprocess.logit_scale_max);
}

at::Tensor ImageBindModel::forward(ImageBindTrunk trunk, const at::Tensor& input, EncoderTrace* trace,
                                   const std::atomic<bool>* cancel) const {
    const Encoder& e = encoder(trunk);
    const TrunkConfig& t = e.cfg;
    const std::string name = e.name == "imu" ? "IMU" : e.name;
    auto bad_input = [&](const std::string& why) {
        return Error("The " + name + " encoder cannot take a tensor of shape " + shape_text(input) + ": " + why + ".");
    };
    if (!input.defined() || input.dim() == 0 || input.size(0) == 0) throw bad_input("it needs a non-empty batch");

    // Clips: the reference flattens (B, S) of any input with 5 or more dims into items.
    // Vision items are 5-D clips already, so only a 6-D vision input has S.
    const int64_t rank = e.item_rank();
    const bool clips = input.dim() == rank + 1 && input.dim() >= 5;
    const int64_t B = input.size(0), S = clips ? input.size(1) : 1;
    at::Tensor items = input;
    if (clips) {
        std::vector<int64_t> flat{B * S};
        flat.insert(flat.end(), input.sizes().begin() + 2, input.sizes().end());
        items = input.reshape(flat);
    }
    const bool image = t.stem == StemKind::Conv3dPatches && items.dim() == 4 && t.pad_im2video_ntimes > 0;
    if (items.dim() != rank && !image)
        throw bad_input("it needs " + std::to_string(rank) + " dims" + (rank >= 4 ? " (or one more for clips)" : ""));

    if (t.stem == StemKind::TokenEmbedding) {
        if (at::isFloatingType(items.scalar_type())) throw bad_input("text needs integer token ids");
        items = items.to(at::kLong);
        if (items.size(1) != t.context_length)
            throw bad_input("text needs " + std::to_string(t.context_length) + " token ids per row");
        const int64_t lo = items.min().item<int64_t>(), hi = items.max().item<int64_t>();
        if (lo < 0 || hi >= t.vocab_size) throw bad_input("a token id lies outside the vocabulary of " + std::to_string(t.vocab_size));
    } else {
        items = items.to(at::kFloat);
        if (image) {
            // PadIm2Video: an image is a clip of `ntimes` identical frames.
            std::vector<int64_t> reps(5, 1);
            reps[t.pad_im2video_time_dim] = t.pad_im2video_ntimes;
            items = items.unsqueeze(t.pad_im2video_time_dim).repeat(reps);
        }
        if (items.size(1) != t.in_channels)
            throw bad_input("it needs " + std::to_string(t.in_channels) + " channel(s) in dim " + std::to_string(clips ? 2 : 1));
        int64_t patches = items.size(2) / t.kernel_size[0];
        if (t.stem != StemKind::UnfoldLinear) {
            const std::vector<int64_t> spatial(items.sizes().begin() + 2, items.sizes().end());
            patches = 1;
            for (int64_t o : imagebind_trunk::conv_output_size(spatial, t.kernel_size, t.stride)) patches *= o;
        }
        if (patches != t.num_patches) {
            const size_t n = t.img_size.size();
            const std::string size = t.stem == StemKind::UnfoldLinear
                                         ? std::to_string(t.img_size[n - 1]) + " samples"
                                         : std::to_string(t.img_size[n - 2]) + "x" + std::to_string(t.img_size[n - 1]);
            throw bad_input("it makes " + std::to_string(patches) + " patches but the encoder was trained on " +
                            std::to_string(t.num_patches) + " (inputs of " + size +
                            "); resize the input, positional-embedding interpolation is not supported");
        }
    }

    if (cancel && cancel->load(std::memory_order_relaxed)) throw Cancelled();
    at::Tensor seq_len;
    if (t.stem == StemKind::TokenEmbedding) seq_len = items.argmax(-1);  // the first EOS (largest id)
    const at::Tensor tokens = e.embed_tokens(items, trace);
    const at::Tensor trunk_out = e.run_trunk(tokens, trace, cancel);
    const at::Tensor head_out = e.head(trunk_out, seq_len);
    const at::Tensor post = e.postprocess(head_out);
    if (trace) {
        trace->tokens = tokens;
        trace->trunk_out = trunk_out;
        trace->head_out = head_out;
        trace->post_per_item = post;
        trace->seq_len = seq_len;
    }
    return clips ? post.reshape({B, S, -1}).mean(1) : post;
}

}  // namespace ibllm
