// Transformer::decode: one token through the model with every intermediate in a
// DecodeWorkspace. The general forward() is a chain of ATen operations, each allocating its
// result and paying a dispatch; for one position that overhead is a sizeable part of a
// token at the smaller shapes, so the step is written out here: the norms, RoPE, the cache
// write and the attention of one query are loops (the vectorised ones in decode_ops.h), the
// projections run in the matrix kernels, straight into the workspace. It computes what
// forward() computes (the parity tests run both) in float32, reading the cache in its dtype.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include "engine/llama/decode_ops.h"
#include "engine/llama/kernels/quantized_matrix.h"
#include "engine/llama/transformer.h"

namespace ibllm {

namespace {

// Per head, on the thread that takes it: RoPE on its query and key, its key and value into
// the cache at `pos`, and its attention over positions [0, pos]. The cache writes miss the
// cache (and fault in a fresh page every few positions) in a different page per head: on one
// thread before the attention they took 0.3-0.9 ms of a 31 ms 1.3B token, split over the
// threads they overlap with the attention's reads.
template <class Elem>
void attend_heads(const Rope& rope, KvCache& cache, int64_t layer, int64_t pos, float* q, float* k, const float* v,
                  int64_t n_heads, int64_t hd, float* scores, float* out) {
    const Elem* keys = cache.keys<Elem>(layer);
    const Elem* values = cache.values<Elem>(layer);
    const int64_t stride = cache.head_stride();
    at::parallel_for(0, n_heads, 1, [&](int64_t h0, int64_t h1) {
        for (int64_t h = h0; h < h1; ++h) {
            rope.rotate(q + h * hd, 1, pos);
            rope.rotate(k + h * hd, 1, pos);
            cache.write_head(layer, h, pos, k + h * hd, v + h * hd);
            decode_ops::attention_head(q + h * hd, keys + h * stride, values + h * stride, pos + 1, hd,
                                       scores + h * cache.capacity(), out + h * hd);
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

}  // namespace

const at::Tensor& Transformer::decode(int64_t token, int64_t pos, KvCache& cache, DecodeWorkspace& ws,
                                      const AdapterValues& adapter) const {
    const LlamaConfig& c = w_.config;
    const int64_t D = c.dim, H = c.n_heads, hd = c.head_dim();
    TORCH_CHECK(pos >= 0 && pos < cache.capacity(), "positions beyond the context window");
    const int64_t hidden = c.ffn_hidden();
    const float eps = static_cast<float>(c.norm_eps);
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
        decode_ops::rms_norm(h, l.attention_norm.data_ptr<float>(), D, eps, xn);
        apply_projections_into(ws.xn, {&l.wq, &l.wk, &l.wv}, {ws.q, ws.k, ws.v});
        if (cache.is_bf16())
            attend_heads<uint16_t>(rope_, cache, i, pos, q, k, ws.v.data_ptr<float>(), H, hd, scores, attn);
        else
            attend_heads<float>(rope_, cache, i, pos, q, k, ws.v.data_ptr<float>(), H, hd, scores, attn);
        // The visual token's value, after the softmax and before wo (as forward()).
        if (!adapter.empty() && adapter.per_layer[i].defined()) decode_ops::add(attn, adapter.per_layer[i].data_ptr<float>(), D);
        apply_projections_into(ws.attn, {&l.wo}, {ws.proj});
        decode_ops::add(h, proj, D);

        decode_ops::rms_norm(h, l.ffn_norm.data_ptr<float>(), D, eps, xn);
        apply_projections_into(ws.xn, {&l.w1, &l.w3}, {ws.gate, ws.up});
        decode_ops::swiglu(ws.gate.data_ptr<float>(), ws.up.data_ptr<float>(), hidden);
        apply_projections_into(ws.gate, {&l.w2}, {ws.proj});
        decode_ops::add(h, proj, D);
    }
    decode_ops::rms_norm(h, w_.norm.data_ptr<float>(), D, eps, xn);
    apply_projections_into(ws.xn, {&w_.output}, {ws.logits});
    return ws.logits;
}

}  // namespace ibllm
