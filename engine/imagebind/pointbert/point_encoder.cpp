#include "engine/imagebind/pointbert/point_encoder.h"

#include <ATen/ATen.h>

#include <cmath>
#include <unordered_map>

#include "engine/checkpoint/tensor_store.h"
#include "engine/error.h"
#include "engine/imagebind/pointbert/point_sampling.h"

namespace ibllm {

namespace {

const std::string kTrunk = "point_trunk.point_encoder.";
const std::string kProjection = "point_trunk.pc_projection";
const std::string kHead = "modality_heads.point.";
const std::string kLogitScale = "modality_postprocessors.point.1.log_logit_scale";

// A Linear / 1x1 Conv1d. The weight is in the compute dtype (float32 or bf16); the bias
// stays float32 and is added after the product is brought back to float32.
struct Linear {
    at::Tensor weight;
    at::Tensor bias;

    at::Tensor operator()(const at::Tensor& x) const {
        if (weight.scalar_type() == at::kFloat) return bias.defined() ? at::linear(x, weight, bias) : at::linear(x, weight);
        at::Tensor y = at::linear(x.to(weight.scalar_type()), weight).to(at::kFloat);
        if (bias.defined()) y.add_(bias);
        return y;
    }
};

struct LayerNorm {
    at::Tensor weight, bias;
    double eps = 1e-5;
    at::Tensor operator()(const at::Tensor& x) const { return at::layer_norm(x, {weight.size(0)}, weight, bias, eps); }
};

// BatchNorm1d in eval mode as ATen's CPU kernel computes it: x * alpha + beta with
// alpha = weight / sqrt(running_var + eps), beta = bias - running_mean * alpha. Folded once
// at load; for training (weights that require grad) the four tensors are kept and folded at
// every forward, so that the affine's gradient reaches weight and bias.
struct BatchNormEval {
    at::Tensor alpha, beta;
    at::Tensor weight, bias, mean, var;  // training only
    double eps = 0;
    at::Tensor operator()(const at::Tensor& x) const {
        if (!weight.defined()) return at::addcmul(beta, x, alpha);
        const at::Tensor a = weight * at::rsqrt(var + eps);
        return at::addcmul(bias - mean * a, x, a);
    }
};

struct TransformerBlock {
    LayerNorm norm1, norm2;
    Linear qkv, proj, fc1, fc2;
};

}  // namespace

struct PointEncoder::Weights {
    // Mini-PointNet group encoder. second_conv.0 acts on cat([global, per-point]); its weight is
    // split into the two column blocks so that the global half is computed once per group
    // instead of once per point (the same sum, half the work).
    Linear first_conv0, first_conv3;
    BatchNormEval first_bn;
    Linear second_conv0_global, second_conv0_local, second_conv3;
    BatchNormEval second_bn;

    Linear reduce_dim;
    at::Tensor cls_token, cls_pos;  // [1, 1, T]
    Linear pos_embed0, pos_embed2;
    std::vector<TransformerBlock> blocks;
    LayerNorm norm;

    Linear projection;  // pc_projection as a Linear: weight = pc_projection^T
    LayerNorm head_norm;
    Linear head_proj;
    float logit_scale = 1.0f;
};

std::vector<std::pair<std::string, std::vector<int64_t>>> PointEncoder::weight_shapes(const PointBertConfig& c) {
    const int64_t T = c.trans_dim, h1 = c.encoder_hidden1, f = c.encoder_feature, h2 = c.encoder_hidden2;
    std::vector<std::pair<std::string, std::vector<int64_t>>> s;
    auto add = [&](const std::string& name, std::vector<int64_t> shape) { s.emplace_back(name, std::move(shape)); };
    auto add_bn = [&](const std::string& p, int64_t n) {
        for (const char* part : {"weight", "bias", "running_mean", "running_var"}) add(p + part, {n});
    };
    add(kTrunk + "cls_token", {1, 1, T});
    add(kTrunk + "cls_pos", {1, 1, T});
    add(kTrunk + "encoder.first_conv.0.weight", {h1, 3, 1});
    add(kTrunk + "encoder.first_conv.0.bias", {h1});
    add_bn(kTrunk + "encoder.first_conv.1.", h1);
    add(kTrunk + "encoder.first_conv.3.weight", {f, h1, 1});
    add(kTrunk + "encoder.first_conv.3.bias", {f});
    add(kTrunk + "encoder.second_conv.0.weight", {h2, 2 * f, 1});
    add(kTrunk + "encoder.second_conv.0.bias", {h2});
    add_bn(kTrunk + "encoder.second_conv.1.", h2);
    add(kTrunk + "encoder.second_conv.3.weight", {c.encoder_dims, h2, 1});
    add(kTrunk + "encoder.second_conv.3.bias", {c.encoder_dims});
    add(kTrunk + "reduce_dim.weight", {T, c.encoder_dims});
    add(kTrunk + "reduce_dim.bias", {T});
    add(kTrunk + "pos_embed.0.weight", {c.pos_embed_hidden, 3});
    add(kTrunk + "pos_embed.0.bias", {c.pos_embed_hidden});
    add(kTrunk + "pos_embed.2.weight", {T, c.pos_embed_hidden});
    add(kTrunk + "pos_embed.2.bias", {T});
    for (int64_t i = 0; i < c.depth; ++i) {
        const std::string p = kTrunk + "blocks.blocks." + std::to_string(i) + ".";
        add(p + "norm1.weight", {T});
        add(p + "norm1.bias", {T});
        add(p + "attn.qkv.weight", {3 * T, T});
        if (c.attn_qkv_bias) add(p + "attn.qkv.bias", {3 * T});
        add(p + "attn.proj.weight", {T, T});
        add(p + "attn.proj.bias", {T});
        add(p + "norm2.weight", {T});
        add(p + "norm2.bias", {T});
        add(p + "mlp.fc1.weight", {c.mlp_hidden_dim, T});
        add(p + "mlp.fc1.bias", {c.mlp_hidden_dim});
        add(p + "mlp.fc2.weight", {T, c.mlp_hidden_dim});
        add(p + "mlp.fc2.bias", {T});
    }
    add(kTrunk + "norm.weight", {T});
    add(kTrunk + "norm.bias", {T});
    add(kProjection, {c.pc_projection_shape[0], c.pc_projection_shape[1]});
    add(kHead + "0.weight", {c.head_in_dim});
    add(kHead + "0.bias", {c.head_in_dim});
    add(kHead + "2.weight", {c.out_embed_dim, c.head_in_dim});
    if (c.head_proj_bias) add(kHead + "2.bias", {c.out_embed_dim});
    add(kLogitScale, {});
    return s;
}

bool PointEncoder::present(const TensorStore& weights) { return weights.contains(kTrunk + "cls_token"); }

namespace {

class PointWeightLoader {
public:
    PointWeightLoader(const TensorStore& store, const PointBertConfig& config, at::ScalarType dtype)
        : store_(store), dtype_(dtype) {
        for (auto& [name, shape] : PointEncoder::weight_shapes(config)) shapes_.emplace(name, shape);
    }

    // Float32 parameter (norms, biases, tokens), checked against weight_shapes().
    at::Tensor param(const std::string& name) const { return raw(name).to(at::kFloat).contiguous(); }

    // A Linear or 1x1 Conv1d ([out, in, 1] is viewed as [out, in]).
    Linear linear(const std::string& prefix, bool has_bias = true, bool force_float = false) const {
        at::Tensor w = raw(prefix + "weight");
        if (w.dim() == 3) w = w.squeeze(-1);
        return {w.to(force_float ? at::kFloat : dtype_).contiguous(), has_bias ? param(prefix + "bias") : at::Tensor()};
    }

    BatchNormEval batch_norm(const std::string& prefix, double eps) const {
        if (training()) return {at::Tensor(), at::Tensor(), param(prefix + "weight"), param(prefix + "bias"),
                                param(prefix + "running_mean"), param(prefix + "running_var"), eps};
        const at::Tensor var = param(prefix + "running_var").to(at::kDouble);
        const at::Tensor alpha = param(prefix + "weight").to(at::kDouble) / at::sqrt(var + eps);
        const at::Tensor beta = param(prefix + "bias").to(at::kDouble) - param(prefix + "running_mean").to(at::kDouble) * alpha;
        BatchNormEval folded;
        folded.alpha = alpha.to(at::kFloat);
        folded.beta = beta.to(at::kFloat);
        return folded;
    }

    LayerNorm layer_norm(const std::string& prefix, double eps) const {
        return {param(prefix + "weight"), param(prefix + "bias"), eps};
    }

    at::Tensor raw(const std::string& name) const {
        const auto it = shapes_.find(name);
        if (it == shapes_.end()) throw std::logic_error("PointEncoder reads '" + name + "' but weight_shapes() omits it");
        return store_.get(name, it->second);
    }

    at::ScalarType dtype() const { return dtype_; }

    // The store holds parameters being trained: every tensor the encoder keeps must then be
    // the store's own (or a view of it), never a copy made here.
    bool training() const { return store_.get(kTrunk + "cls_token").requires_grad(); }

private:
    const TensorStore& store_;
    at::ScalarType dtype_;
    std::unordered_map<std::string, std::vector<int64_t>> shapes_;
};

}  // namespace

PointEncoder::PointEncoder(const TensorStore& weights, const PointBertConfig& config, at::ScalarType dtype)
    : config_(config), dtype_(dtype) {
    if (dtype != at::kFloat && dtype != at::kBFloat16)
        throw Error("The 3D encoder computes in float32 or bfloat16 only; choose fp32 or bf16.");
    if (!present(weights))
        throw Error(weights.source() + " has no Point-Bind 3D encoder (no point_trunk.* tensors); use imagebind_w3D.pth, "
                    "the ImageBind checkpoint with 3D.");
    const PointWeightLoader load(weights, config, dtype);
    auto w = std::make_unique<Weights>();

    const std::string enc = kTrunk + "encoder.";
    // Layers fed raw coordinates stay float32: bf16's 8-bit mantissa would blur xyz itself.
    w->first_conv0 = load.linear(enc + "first_conv.0.", true, true);
    w->first_bn = load.batch_norm(enc + "first_conv.1.", config.bn_eps);
    w->first_conv3 = load.linear(enc + "first_conv.3.");
    const Linear second0 = load.linear(enc + "second_conv.0.");
    const int64_t f = config.encoder_feature;
    const bool training = load.training();
    auto part = [&](int64_t from) {
        const at::Tensor cols = second0.weight.narrow(1, from, f);
        return training ? cols : cols.contiguous();
    };
    w->second_conv0_global = {part(0), second0.bias};
    w->second_conv0_local = {part(f), at::Tensor()};
    w->second_bn = load.batch_norm(enc + "second_conv.1.", config.bn_eps);
    w->second_conv3 = load.linear(enc + "second_conv.3.");

    w->reduce_dim = load.linear(kTrunk + "reduce_dim.");
    w->cls_token = load.param(kTrunk + "cls_token");
    w->cls_pos = load.param(kTrunk + "cls_pos");
    w->pos_embed0 = load.linear(kTrunk + "pos_embed.0.", true, true);
    w->pos_embed2 = load.linear(kTrunk + "pos_embed.2.");
    for (int64_t i = 0; i < config.depth; ++i) {
        const std::string p = kTrunk + "blocks.blocks." + std::to_string(i) + ".";
        TransformerBlock b;
        b.norm1 = load.layer_norm(p + "norm1.", config.block_ln_eps);
        b.qkv = load.linear(p + "attn.qkv.", config.attn_qkv_bias);
        b.proj = load.linear(p + "attn.proj.");
        b.norm2 = load.layer_norm(p + "norm2.", config.block_ln_eps);
        b.fc1 = load.linear(p + "mlp.fc1.");
        b.fc2 = load.linear(p + "mlp.fc2.");
        w->blocks.push_back(std::move(b));
    }
    w->norm = load.layer_norm(kTrunk + "norm.", config.final_ln_eps);

    const at::Tensor projection_t = load.raw(kProjection).to(dtype).t();
    w->projection = {training ? projection_t : projection_t.contiguous(), at::Tensor()};
    w->head_norm = load.layer_norm(kHead + "0.", config.head_ln_eps);
    w->head_proj = load.linear(kHead + "2.", config.head_proj_bias);
    // LearnableLogitScaling: clip(exp(log_logit_scale), max) in float32.
    const float log_scale = load.param(kLogitScale).item<float>();
    w->logit_scale = std::min(std::exp(log_scale), static_cast<float>(config.logit_scale_max));
    if (!std::isfinite(w->logit_scale))
        throw Error(weights.source() + " has a non-finite point logit scale; the checkpoint is damaged, download it again.");
    w_ = std::move(w);
}

PointEncoder::~PointEncoder() = default;
PointEncoder::PointEncoder(PointEncoder&&) noexcept = default;
PointEncoder& PointEncoder::operator=(PointEncoder&&) noexcept = default;

float PointEncoder::logit_scale() const { return w_->logit_scale; }

namespace {

void throw_if_cancelled(const std::atomic<bool>* cancel) {
    if (cancel && cancel->load(std::memory_order_relaxed)) throw Cancelled();
}

}  // namespace

at::Tensor PointEncoder::forward(const at::Tensor& xyz_in, PointTrace* trace, const std::atomic<bool>* cancel) const {
    const PointBertConfig& c = config_;
    const Weights& w = *w_;
    if (!xyz_in.defined() || xyz_in.dim() != 3 || xyz_in.size(2) != 3)
        throw Error("The 3D encoder needs a [batch, points, 3] point tensor.");
    if (!at::isFloatingType(xyz_in.scalar_type()))
        throw Error("The 3D encoder needs floating-point coordinates.");
    const int64_t B = xyz_in.size(0), N = xyz_in.size(1), G = c.num_group, M = c.group_size, T = c.trans_dim;
    if (B == 0) throw Error("The 3D encoder was given no point clouds.");
    if (N < M)
        throw Error("The point cloud has only " + std::to_string(N) + " points; the 3D encoder needs at least " +
                    std::to_string(M) + " (one neighbourhood), so use a denser point cloud.");
    // The reference model is float32; a float64 cloud (open3d's loaders) is cast first.
    const at::Tensor xyz = xyz_in.to(at::kFloat).contiguous();
    if (!at::isfinite(xyz).all().item<bool>())
        throw Error("The point cloud contains NaN or infinite coordinates; remove those points first.");
    throw_if_cancelled(cancel);

    // --- Group: FPS centres, KNN neighbourhoods relative to their centre (no gradient: the
    // coordinates are data).
    at::Tensor fps_idx, center, knn_idx, neighborhood;
    {
        at::NoGradGuard no_grad;
        fps_idx = farthest_point_sample(xyz, G, c.fps_start_index);
        center = xyz.gather(1, fps_idx.unsqueeze(-1).expand({B, G, 3}));
        knn_idx = knn_indices(xyz, center, M);
        neighborhood = xyz.gather(1, knn_idx.view({B, G * M, 1}).expand({B, G * M, 3})).view({B, G, M, 3}) - center.unsqueeze(2);
    }
    throw_if_cancelled(cancel);

    // --- Mini-PointNet on every group's points (channels-last, so 1x1 convs are Linears).
    const int64_t BG = B * G, f = c.encoder_feature;
    at::Tensor h = w.first_bn(w.first_conv0(neighborhood.reshape({BG * M, 3}))).relu_();
    const at::Tensor point_feat = w.first_conv3(h).view({BG, M, f});
    const at::Tensor group_global = std::get<0>(point_feat.max(1));  // [BG, f]
    h = w.second_conv0_local(point_feat) + w.second_conv0_global(group_global).unsqueeze(1);
    h = w.second_bn(h).relu_();
    const at::Tensor group_feat = std::get<0>(w.second_conv3(h).max(1)).view({B, G, c.encoder_dims});

    // --- Tokens: [cls] + reduced group features; positions: [cls_pos] + MLP(centre).
    const at::Tensor group_tokens = w.reduce_dim(group_feat);
    const at::Tensor group_pos = w.pos_embed2(at::gelu(w.pos_embed0(center)));
    at::Tensor x = at::cat({w.cls_token.expand({B, 1, T}), group_tokens}, 1);
    const at::Tensor pos = at::cat({w.cls_pos.expand({B, 1, T}), group_pos}, 1);

    // --- Transformer: Point-BERT re-adds the positions before EVERY block.
    const int64_t L = x.size(1), H = c.num_heads, hd = c.head_dim();
    at::Tensor block0_out;
    for (size_t i = 0; i < w.blocks.size(); ++i) {
        throw_if_cancelled(cancel);
        const TransformerBlock& b = w.blocks[i];
        at::Tensor y = x + pos;
        const at::Tensor qkv = b.qkv(b.norm1(y)).view({B, L, 3, H, hd}).permute({2, 0, 3, 1, 4});
        const at::Tensor q = qkv[0], k = qkv[1], v = qkv[2];
        const at::Tensor attn = at::softmax(at::matmul(q, k.transpose(-2, -1)).mul_(c.attn_scale), -1);
        // Out of place: norm1 and norm2 keep their input for the backward pass.
        y = y + b.proj(at::matmul(attn, v).transpose(1, 2).reshape({B, L, T}));
        y = y + b.fc2(at::gelu(b.fc1(b.norm2(y))));
        x = y;
        if (i == 0) block0_out = x;
    }
    const at::Tensor blocks_out = x;
    const at::Tensor norm_out = w.norm(x);
    const at::Tensor encoder_out =
        at::cat({norm_out.select(1, 0), std::get<0>(norm_out.narrow(1, 1, L - 1).max(1))}, -1);

    // --- Projection into ImageBind's space, point head, post-processor.
    const at::Tensor trunk_out = w.projection(encoder_out);
    const at::Tensor head_out = w.head_proj(w.head_norm(trunk_out));
    const at::Tensor norm = head_out.norm(2, {-1}, true).clamp_min(c.normalize_eps);
    const at::Tensor post = (head_out / norm) * w.logit_scale;

    if (trace) {
        trace->neighborhood = neighborhood;
        trace->center = center;
        trace->group_feat = group_feat;
        trace->group_tokens = group_tokens;
        trace->group_pos = group_pos;
        trace->block0_out = block0_out;
        trace->blocks_out = blocks_out;
        trace->norm_out = norm_out;
        trace->encoder_out = encoder_out;
        trace->trunk_out = trunk_out;
        trace->head_out = head_out;
        trace->post_per_item = post;
        trace->fps_idx = fps_idx;
        trace->knn_idx = knn_idx;
    }
    return post;
}

}  // namespace ibllm
