#include "engine/onellm/onellm_encoder.h"

#include <ATen/ATen.h>

#include <cmath>

#include "engine/error.h"
#include "engine/imagebind/pointbert/point_sampling.h"

namespace ibllm {

namespace {

// x W^T in the weight's dtype (the encoders' dtype), x converted to it.
at::Tensor product_in_dtype(const at::Tensor& x, const at::Tensor& w) { return at::linear(x.to(w.scalar_type()), w); }

// x W^T in float32 from a weight in the encoders' dtype (the product in that dtype).
at::Tensor product(const at::Tensor& x, const at::Tensor& w) { return product_in_dtype(x, w).to(at::kFloat); }

// softmax(q k^T / sqrt(hd)) v over all positions (no mask), heads split from the last axis.
// The two products run in `dtype` (bf16 where the weights are), the softmax on float32 scores.
at::Tensor full_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads, at::ScalarType dtype) {
    const int64_t B = q.size(0), width = q.size(2), hd = width / heads;
    auto split = [&](const at::Tensor& t) { return t.reshape({B, t.size(1), heads, hd}).transpose(1, 2).to(dtype); };
    at::Tensor scores = at::matmul(split(q), split(k).transpose(-2, -1)).to(at::kFloat).div_(std::sqrt(static_cast<double>(hd)));
    return at::matmul(at::softmax(scores, -1).to(dtype), split(v)).to(at::kFloat).transpose(1, 2).reshape({B, q.size(1), width});
}

at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps) {
    return x * at::rsqrt(x.pow(2).mean(-1, true) + eps) * weight;
}

// CLIP's residual block (open_clip, pre-LN, QuickGELU).
at::Tensor clip_block(const ClipBlockWeights& b, const at::Tensor& x, int64_t heads) {
    const std::vector<at::Tensor> qkv = b.in_proj(b.ln_1(x)).chunk(3, -1);
    at::Tensor h = x + b.out_proj(full_attention(qkv[0], qkv[1], qkv[2], heads, b.in_proj.weight.scalar_type()));
    const at::Tensor a = b.c_fc(b.ln_2(h));
    return h + b.c_proj(a * at::sigmoid(1.702 * a));
}

// A resample layer: LLaMA's block without RoPE and without a mask. With `rows` > 0 only the
// first `rows` positions are computed (queries, output, feed-forward), attending to all: what
// the last layer of an expert needs, since only the resample tokens' outputs are kept.
at::Tensor resample_layer(const ResampleLayerWeights& l, const at::Tensor& x, int64_t heads, double eps, int64_t rows = 0) {
    const int64_t W = x.size(2), F = l.w13.size(0) / 2;
    const at::Tensor n1 = rms_norm(x, l.attention_norm, eps);
    const at::ScalarType dtype = l.wqkv.scalar_type();
    // q, k and v stay in the products' dtype: the attention multiplies in it.
    at::Tensor q, k, v;
    if (rows > 0) {
        q = product_in_dtype(n1.narrow(1, 0, rows), l.wqkv.narrow(0, 0, W));
        const std::vector<at::Tensor> kv = product_in_dtype(n1, l.wqkv.narrow(0, W, 2 * W)).chunk(2, -1);
        k = kv[0], v = kv[1];
    } else {
        const std::vector<at::Tensor> qkv = product_in_dtype(n1, l.wqkv).chunk(3, -1);
        q = qkv[0], k = qkv[1], v = qkv[2];
    }
    const at::Tensor xq = rows > 0 ? x.narrow(1, 0, rows) : x;
    const at::Tensor h = xq + product(full_attention(q, k, v, heads, dtype), l.wo);
    const at::Tensor g = product(rms_norm(h, l.ffn_norm, eps), l.w13);
    return h + product(at::silu(g.narrow(-1, 0, F)) * g.narrow(-1, F, F), l.w2);
}

// A stem's convolution (2-D, or 1-D for a [B, C, T] input), in the weight's dtype, float32 out.
at::Tensor conv(const at::Tensor& x, const at::Tensor& w, const at::Tensor& bias, int64_t stride) {
    const at::Tensor xin = x.to(w.scalar_type());
    at::Tensor y = (w.dim() == 3 ? at::conv1d(xin, w, {}, stride) : at::conv2d(xin, w, {}, stride)).to(at::kFloat);
    if (bias.defined()) y.add_(w.dim() == 3 ? bias.view({1, -1, 1}) : bias.view({1, -1, 1, 1}));
    return y;
}

}  // namespace

OnellmEncoder::OnellmEncoder(OnellmConfig config, OnellmEncoderWeights weights, bool point_xyz)
    : c_(std::move(config)), w_(std::move(weights)), point_xyz_(point_xyz) {}

at::Tensor OnellmEncoder::point_stem(const at::Tensor& x, OnellmEncodeTrace* trace) const {
    const int64_t B = x.size(0), N = x.size(1), G = c_.point_groups, K = c_.point_group_size;
    if (N < K) throw Error("The point cloud has " + std::to_string(N) + " points; OneLLM needs at least " + std::to_string(K) + ".");
    // The reference samples and groups on columns 3..5, in float32.
    const at::Tensor coords = x.narrow(2, point_xyz_ ? 0 : 3, 3).to(at::kFloat).contiguous();
    const at::Tensor centres_idx = farthest_point_sample(coords, G, 0);  // [B, G]
    std::vector<at::Tensor> centres;
    for (int64_t b = 0; b < B; ++b) centres.push_back(coords[b].index_select(0, centres_idx[b]));
    const at::Tensor knn = knn_indices(coords, at::stack(centres, 0), K);  // [B, G, K]
    std::vector<at::Tensor> grouped;
    for (int64_t b = 0; b < B; ++b) grouped.push_back(x[b].index_select(0, knn[b].reshape({-1})).reshape({G, K, 6}));
    // All six columns of every neighbour, as they are (not relative to the centre).
    const at::Tensor g = at::stack(grouped, 0).permute({0, 3, 1, 2});  // [B, 6, G, K]
    const at::Tensor f = std::get<0>(conv(g, w_.point_conv, w_.point_conv_bias, 1).max(-1, true));  // [B, W, G, 1]
    if (trace) {
        trace->fps_idx = centres_idx;
        trace->knn_idx = knn;
        trace->stem = f;
    }
    return f.reshape({B, c_.clip_width, G}).transpose(1, 2);
}

at::Tensor OnellmEncoder::stem(OnellmModality m, const at::Tensor& x, OnellmEncodeTrace* trace) const {
    const int64_t W = c_.clip_width;
    at::Tensor s;
    switch (m) {
        case OnellmModality::Image:
        case OnellmModality::Video:
        case OnellmModality::Rgbd:
        case OnellmModality::Rgbn: {
            const at::Tensor frames = x.dim() == 5 ? x.reshape({-1, 3, x.size(3), x.size(4)}) : x;
            s = conv(frames, w_.patch_conv, {}, c_.clip_patch);
            break;
        }
        case OnellmModality::Audio: s = conv(x, w_.audio_conv, w_.audio_conv_bias, c_.audio_stride); break;
        case OnellmModality::Imu: s = conv(x, w_.imu_conv, {}, 1); break;
        case OnellmModality::Fmri: {
            // Channel-major: output feature c * tokens + t is channel c of token t.
            s = w_.fmri(x).reshape({x.size(0), W, -1});
            break;
        }
        case OnellmModality::Point: return point_stem(x, trace);
    }
    if (trace) trace->stem = s;
    return s.reshape({s.size(0), W, -1}).transpose(1, 2);
}

at::Tensor OnellmEncoder::clip(OnellmModality m, const at::Tensor& tokens, OnellmEncodeTrace* trace) const {
    const int64_t Bp = tokens.size(0), W = c_.clip_width;
    const ModalityWeights& mw = w_.of(m);
    if (tokens.size(1) + 1 != mw.positional.size(0))
        throw Error("The " + to_string(m) + " input gives " + std::to_string(tokens.size(1)) + " tokens but the model's table has " +
                    std::to_string(mw.positional.size(0) - 1) + " positions.");
    at::Tensor x = at::cat({w_.class_embedding.reshape({1, 1, W}).expand({Bp, 1, W}), tokens}, 1) + mw.positional;
    if (trace) trace->clip_tokens = x;
    x = w_.ln_pre(x);
    for (const ClipBlockWeights& b : w_.blocks) {
        x = clip_block(b, x, c_.clip_heads);
        if (trace) trace->clip_blocks.push_back(x);
    }
    x = w_.ln_post(x);
    if (trace) trace->clip_out = x;
    return x;
}

at::Tensor OnellmEncoder::universal_projection(OnellmModality m, const at::Tensor& features, OnellmEncodeTrace* trace) const {
    const ModalityWeights& mw = w_.of(m);
    const int64_t B = features.size(0), nw = c_.image_words, W = c_.clip_width;
    const at::Tensor proj1 = mw.proj1_norm(mw.proj1(features));
    const at::Tensor u = at::cat({mw.resample_tokens.unsqueeze(0).expand({B, nw, W}), proj1}, 1);
    // Only the resample tokens' routing weights are used: the rest is computed for traces alone.
    const at::Tensor logits = mw.router_fc2(at::gelu(mw.router_fc1(trace ? u : u.narrow(1, 0, nw))));
    // A normalised sigmoid per token, not a softmax.
    const at::Tensor sig = at::sigmoid(logits);
    const at::Tensor weights = sig / sig.sum(-1, true);
    at::Tensor mixed;
    for (int64_t e = 0; e < c_.experts; ++e) {
        at::Tensor h = u;
        const std::vector<ResampleLayerWeights>& layers = w_.experts[e];
        for (size_t i = 0; i < layers.size(); ++i)
            h = resample_layer(layers[i], h, c_.resample_heads, c_.llama.norm_eps, i + 1 == layers.size() ? nw : 0);
        const at::Tensor term = h * weights.narrow(1, 0, nw).narrow(2, e, 1);
        mixed = mixed.defined() ? mixed + term : term;
        if (trace) trace->experts.push_back(h);
    }
    const at::Tensor tokens = mw.proj2_norm(mw.proj2(mixed));
    if (trace) {
        trace->proj1 = proj1;
        trace->upm_in = u;
        trace->router_logits = logits;
        trace->router_weights = weights;
        trace->mixed = mixed;
        trace->tokens = tokens;
    }
    return tokens;
}

at::Tensor OnellmEncoder::encode(OnellmModality m, const at::Tensor& input, OnellmEncodeTrace* trace) const {
    const at::Tensor x = input.to(at::kFloat).contiguous();
    const int64_t B = x.size(0);
    at::Tensor features = clip(m, stem(m, x, trace), trace);
    if (features.size(0) != B) {
        // Frames (video crops, or an image and its depth/normal map) are averaged.
        features = features.reshape({B, -1, features.size(1), features.size(2)}).mean(1);
        if (trace) trace->clip_mean = features;
    }
    return universal_projection(m, features, trace);
}

at::Tensor OnellmEncoder::prefill_rows(OnellmModality m, const at::Tensor& tokens) const {
    const ModalityWeights& mw = w_.of(m);
    const int64_t D = c_.llama.dim;
    return at::cat({mw.start_tag.reshape({1, D}), tokens.reshape({-1, D}), mw.end_tag.reshape({1, D})}, 0);
}

}  // namespace ibllm
