#include "engine/llama/transformer.h"

#include <ATen/ATen.h>

#include <cmath>
#include <limits>

namespace ibllm {

Transformer::Transformer(LlamaWeights weights)
    : w_(std::move(weights)), rope_(w_.config.head_dim(), 2 * w_.config.max_seq_len) {}

KvCache Transformer::new_cache() const {
    const LlamaConfig& c = w_.config;
    // In the compute dtype, as the reference's cache is in the model's dtype: bf16 for a
    // bf16 model (whatever the weight format), float32 for a float32 one.
    const at::ScalarType dtype = w_.compute_dtype == at::kBFloat16 ? at::kBFloat16 : at::kFloat;
    return KvCache(c.n_layers, c.n_heads, c.head_dim(), c.max_seq_len, dtype);
}

at::Tensor Transformer::rms_norm(const at::Tensor& x, const at::Tensor& weight) const {
    // As the reference RMSNorm: normalise in float32, then scale by the (float32) weight.
    return x * at::rsqrt(x.pow(2).mean(-1, true) + w_.config.norm_eps) * weight;
}

AdapterValues Transformer::adapter_values(const at::Tensor& visual_query) const {
    AdapterValues out;
    if (!visual_query.defined()) return out;
    const LlamaConfig& c = w_.config;
    out.visual_query = visual_query.reshape({1, c.dim}).to(at::kFloat);
    out.per_layer.resize(c.n_layers);
    for (int64_t i = 0; i < c.n_layers; ++i) {
        const LayerWeights& l = w_.layers[i];
        if (!l.gate_tanh.defined()) continue;
        const int64_t row = i - (c.n_layers - w_.query_layer);
        at::Tensor a = out.visual_query + w_.prefix_query.narrow(0, row, 1);  // [1, dim]
        // wv here is the BASE projection: the merged LoRA term is taken back out.
        at::Tensor v = l.wv(a);
        if (l.wv_lora_l1.weight.defined()) v = v - l.wv_lora_l2(l.wv_lora_l1(a));
        v = v.reshape({c.n_heads, c.head_dim()}) * l.gate_tanh.unsqueeze(1);
        out.per_layer[i] = v.reshape({c.dim}).contiguous();
    }
    return out;
}

at::Tensor Transformer::attention(int64_t layer, const at::Tensor& x, int64_t start_pos, KvCache& cache,
                                  const at::Tensor& mask, const at::Tensor& injected) const {
    const LayerWeights& l = w_.layers[layer];
    const LlamaConfig& c = w_.config;
    const int64_t n = x.size(0), H = c.n_heads, hd = c.head_dim();
    const std::vector<at::Tensor> qkv = apply_projections(x, {&l.wq, &l.wk, &l.wv});
    at::Tensor q = rope_.apply(qkv[0].view({n, H, hd}), start_pos);
    at::Tensor k = rope_.apply(qkv[1].view({n, H, hd}), start_pos);
    at::Tensor v = qkv[2].view({n, H, hd});
    at::Tensor keys, values;
    cache.append(layer, start_pos, k, v, keys, values);  // [H, start+n, hd]
    if (keys.scalar_type() != at::kFloat) keys = keys.to(at::kFloat), values = values.to(at::kFloat);
    at::Tensor scores = at::matmul(q.transpose(0, 1), keys.transpose(1, 2)).div_(std::sqrt(static_cast<double>(hd)));
    if (mask.defined()) scores.add_(mask);
    at::Tensor out = at::matmul(at::softmax(scores, -1), values);  // [H, n, hd]
    out = out.transpose(0, 1).reshape({n, c.dim});
    // The visual token's value, the same for every position, after the softmax and before wo.
    if (injected.defined()) out = out + injected;
    return l.wo(out);
}

at::Tensor Transformer::feed_forward(int64_t layer, const at::Tensor& x) const {
    const LayerWeights& l = w_.layers[layer];
    const std::vector<at::Tensor> gate_up = apply_projections(x, {&l.w1, &l.w3});
    return l.w2(at::silu(gate_up[0]).mul_(gate_up[1]));
}

at::Tensor Transformer::embed(const std::vector<int64_t>& tokens) const {
    const int64_t n = static_cast<int64_t>(tokens.size());
    at::Tensor ids = at::from_blob(const_cast<int64_t*>(tokens.data()), {n}, at::kLong);
    return at::embedding(w_.tok_embeddings, ids).to(at::kFloat);
}

at::Tensor Transformer::forward(const std::vector<int64_t>& tokens, int64_t start_pos, KvCache& cache,
                                const AdapterValues& adapter, bool all_logits, std::vector<at::Tensor>* layer_outputs) const {
    TORCH_CHECK(!tokens.empty(), "forward: no tokens");
    return forward_embedded(embed(tokens), start_pos, cache, adapter, all_logits, layer_outputs);
}

at::Tensor Transformer::forward_embedded(const at::Tensor& input, int64_t start_pos, KvCache& cache, const AdapterValues& adapter,
                                         bool all_logits, std::vector<at::Tensor>* layer_outputs) const {
    const LlamaConfig& c = w_.config;
    TORCH_CHECK(input.dim() == 2 && input.size(1) == c.dim, "forward: the input rows must be [n, dim]");
    const int64_t n = input.size(0);
    TORCH_CHECK(n > 0 && start_pos >= 0 && start_pos + n <= cache.capacity(), "positions beyond the context window");
    at::Tensor h = input.to(at::kFloat);

    // Causal mask over [start_pos + n] keys: query i (at position start_pos + i) sees keys
    // 0..start_pos + i. This generalises the reference mask, which is only right for a
    // prefill at position 0 or one token at a time, to chunks after a reused prefix.
    at::Tensor mask;
    if (n > 1)
        mask = at::full({n, start_pos + n}, -std::numeric_limits<float>::infinity(), at::kFloat).triu(start_pos + 1);

    for (int64_t i = 0; i < c.n_layers; ++i) {
        const LayerWeights& l = w_.layers[i];
        const at::Tensor injected = adapter.empty() ? at::Tensor() : adapter.per_layer[i];
        h = h + attention(i, rms_norm(h, l.attention_norm), start_pos, cache, mask, injected);
        h = h + feed_forward(i, rms_norm(h, l.ffn_norm));
        if (layer_outputs) layer_outputs->push_back(h);
    }
    at::Tensor last = all_logits ? h : h.narrow(0, n - 1, 1);
    at::Tensor normed = rms_norm(last, w_.norm);
    if (layer_outputs) layer_outputs->push_back(all_logits ? normed : rms_norm(h, w_.norm));
    at::Tensor logits = w_.output(normed);
    return all_logits ? logits : logits.reshape({c.vocab_size});
}

}  // namespace ibllm
