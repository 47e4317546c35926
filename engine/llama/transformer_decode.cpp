// Transformer::decode: one token through the model with every intermediate in a
// DecodeWorkspace. The general forward() is a chain of ATen operations, each allocating its
// result and paying a dispatch; for one position that overhead is a sizeable part of a
// token at the smaller shapes, so the step is written out here: the norms, RoPE, the cache
// write and the attention of one query are plain loops, the projections run in the matrix
// kernels, straight into the workspace. It computes what forward() computes (the parity
// tests run both) in float32.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <cmath>
#include <limits>

#include "engine/llama/quant/quantized_matrix.h"
#include "engine/llama/transformer.h"

namespace ibllm {

namespace {

// out = x * rsqrt(mean(x^2) + eps) * weight, as the reference RMSNorm in float32.
void rms_norm_into(const float* x, const float* weight, int64_t n, double eps, float* out) {
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int64_t i = 0; i < n; ++i) sum += x[i] * x[i];
    const float r = 1.0f / std::sqrt(sum / static_cast<float>(n) + static_cast<float>(eps));
    for (int64_t i = 0; i < n; ++i) out[i] = x[i] * r * weight[i];
}

void add_into(float* y, const float* x, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

// One query per head over positions [0, T) of the cache: softmax(q.k_t / sqrt(hd)) . v_t.
void single_query_attention(const float* q, const float* keys, const float* values, int64_t head_stride, int64_t n_heads,
                            int64_t T, int64_t hd, float* scores, int64_t scores_stride, float* out) {
    const float sqrt_hd = std::sqrt(static_cast<float>(hd));
    at::parallel_for(0, n_heads, 1, [&](int64_t h0, int64_t h1) {
        for (int64_t h = h0; h < h1; ++h) {
            const float* qh = q + h * hd;
            const float* K = keys + h * head_stride;
            const float* V = values + h * head_stride;
            float* s = scores + h * scores_stride;
            float best = -std::numeric_limits<float>::infinity();
            for (int64_t t = 0; t < T; ++t) {
                const float* kt = K + t * hd;
                float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
                for (int64_t j = 0; j < hd; ++j) dot += qh[j] * kt[j];
                s[t] = dot / sqrt_hd;
                best = std::max(best, s[t]);
            }
            float total = 0.0f;
            for (int64_t t = 0; t < T; ++t) {
                s[t] = std::exp(s[t] - best);
                total += s[t];
            }
            float* o = out + h * hd;
            for (int64_t j = 0; j < hd; ++j) o[j] = 0.0f;
            for (int64_t t = 0; t < T; ++t) {
                const float p = s[t] / total;
                const float* vt = V + t * hd;
#pragma omp simd
                for (int64_t j = 0; j < hd; ++j) o[j] += p * vt[j];
            }
        }
    });
}

// Row `token` of the embedding table (kept in the checkpoint's dtype) as float32, read in
// place rather than through a view tensor.
void embedding_row_into(const at::Tensor& table, int64_t token, float* out) {
    TORCH_CHECK(token >= 0 && token < table.size(0), "token id ", token, " outside the vocabulary");
    const int64_t D = table.size(1), step = table.stride(1);
    const int64_t row = token * table.stride(0);
    switch (table.scalar_type()) {
        case at::kFloat: {
            const float* p = table.data_ptr<float>() + row;
            for (int64_t i = 0; i < D; ++i) out[i] = p[i * step];
            break;
        }
        case at::kHalf: {
            const at::Half* p = table.data_ptr<at::Half>() + row;
            for (int64_t i = 0; i < D; ++i) out[i] = static_cast<float>(p[i * step]);
            break;
        }
        case at::kBFloat16: {
            const at::BFloat16* p = table.data_ptr<at::BFloat16>() + row;
            for (int64_t i = 0; i < D; ++i) out[i] = static_cast<float>(p[i * step]);
            break;
        }
        default: TORCH_CHECK(false, "token embeddings of dtype ", table.scalar_type(), " are not supported");
    }
}

// silu(gate) * up into gate.
void swiglu_into(float* gate, const float* up, int64_t n) {
    for (int64_t i = 0; i < n; ++i) gate[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

}  // namespace

const at::Tensor& Transformer::decode(int64_t token, int64_t pos, KvCache& cache, DecodeWorkspace& ws,
                                      const AdapterValues& adapter) const {
    const LlamaConfig& c = w_.config;
    const int64_t D = c.dim, H = c.n_heads, hd = c.head_dim();
    TORCH_CHECK(pos >= 0 && pos < cache.capacity(), "positions beyond the context window");
    TORCH_CHECK(cache.is_float32(), "the decode step needs a float32 KV cache");
    const int64_t hidden = c.ffn_hidden();
    ws.ensure(D, hidden, c.vocab_size, H, cache.capacity());
    float* h = ws.h.data_ptr<float>();
    float* xn = ws.xn.data_ptr<float>();
    float* q = ws.q.data_ptr<float>();
    float* k = ws.k.data_ptr<float>();
    float* scores = ws.scores.data_ptr<float>();
    float* attn = ws.attn.data_ptr<float>();
    float* proj = ws.proj.data_ptr<float>();

    embedding_row_into(w_.tok_embeddings, token, h);
    for (int64_t i = 0; i < c.n_layers; ++i) {
        const LayerWeights& l = w_.layers[i];
        rms_norm_into(h, l.attention_norm.data_ptr<float>(), D, c.norm_eps, xn);
        apply_projections_into(ws.xn, {&l.wq, &l.wk, &l.wv}, {ws.q, ws.k, ws.v});
        rope_.rotate(q, H, pos);
        rope_.rotate(k, H, pos);
        cache.write(i, pos, k, ws.v.data_ptr<float>());
        single_query_attention(q, cache.keys(i), cache.values(i), cache.head_stride(), H, pos + 1, hd, scores,
                               cache.capacity(), attn);
        // The visual token's value, after the softmax and before wo (as forward()).
        if (!adapter.empty() && adapter.per_layer[i].defined()) add_into(attn, adapter.per_layer[i].data_ptr<float>(), D);
        apply_projections_into(ws.attn, {&l.wo}, {ws.proj});
        add_into(h, proj, D);

        rms_norm_into(h, l.ffn_norm.data_ptr<float>(), D, c.norm_eps, xn);
        apply_projections_into(ws.xn, {&l.w1, &l.w3}, {ws.gate, ws.up});
        swiglu_into(ws.gate.data_ptr<float>(), ws.up.data_ptr<float>(), hidden);
        apply_projections_into(ws.gate, {&l.w2}, {ws.proj});
        add_into(h, proj, D);
    }
    rms_norm_into(h, w_.norm.data_ptr<float>(), D, c.norm_eps, xn);
    apply_projections_into(ws.xn, {&w_.output}, {ws.logits});
    return ws.logits;
}

}  // namespace ibllm
