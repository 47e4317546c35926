#pragma once
// LLaMA with ImageBind-LLM's attention-free visual injection. Batch size is always 1: a
// desktop assistant answers one question at a time.
#include <ATen/core/Tensor.h>

#include <vector>

#include "engine/llama/decode_workspace.h"
#include "engine/llama/kv_cache.h"
#include "engine/llama/llama_weights.h"
#include "engine/llama/rope.h"

namespace ibllm {

// What the visual token contributes to each layer, computed once per request: for every
// adapter layer, tanh(gate) * wv_base(visual_query + prefix_query[layer]) as one [dim]
// vector that is added to the attention output of every position.
struct AdapterValues {
    std::vector<at::Tensor> per_layer;  // float32 [dim] or undefined (no injection in that layer)
    at::Tensor visual_query;            // [1, dim] float32, the bind network's output
    bool empty() const { return per_layer.empty(); }
};

class Transformer {
public:
    explicit Transformer(LlamaWeights weights);

    const LlamaConfig& config() const { return w_.config; }
    const LlamaWeights& weights() const { return w_; }
    at::ScalarType compute_dtype() const { return w_.compute_dtype; }

    // `visual_query` [1, dim] (or [dim]); an undefined tensor means no visual input, and
    // then nothing is injected (a text-only question).
    AdapterValues adapter_values(const at::Tensor& visual_query) const;

    KvCache new_cache() const;

    // Runs `tokens` at positions [start_pos, start_pos + n) through the model, writing their
    // keys and values into `cache`. Returns float32 logits of the last position [vocab], or of
    // every position [n, vocab] when `all_logits`. With `layer_outputs` the hidden state after
    // each layer and after the final norm is appended there ([n, dim] each), for parity checks.
    at::Tensor forward(const std::vector<int64_t>& tokens, int64_t start_pos, KvCache& cache, const AdapterValues& adapter,
                       bool all_logits = false, std::vector<at::Tensor>* layer_outputs = nullptr) const;

    // The same from the rows the first layer reads: `h` [n, dim] float32, e.g. token
    // embeddings with other rows placed between them (OneLLM's modality tokens).
    at::Tensor forward_embedded(const at::Tensor& h, int64_t start_pos, KvCache& cache, const AdapterValues& adapter,
                                bool all_logits = false, std::vector<at::Tensor>* layer_outputs = nullptr) const;
    // The token embeddings of `tokens` as float32 [n, dim].
    at::Tensor embed(const std::vector<int64_t>& tokens) const;

    // One token at position `pos` (the decode loop): what forward({token}, pos, ...) returns,
    // float32 logits [vocab], computed without allocating. The result lives in `ws` and is
    // overwritten by the next call (clone it to keep it).
    const at::Tensor& decode(int64_t token, int64_t pos, KvCache& cache, DecodeWorkspace& ws, const AdapterValues& adapter) const;

    // The training forward, the reference's LLaMA_adapter.forward: `tokens` [B, T] int64 from
    // position 0, `visual_query` [B, dim] float32 (the bind network's output; undefined: no
    // injection); causal attention without a KV cache; in every adapter layer the visual
    // value tanh(gate) * wv_base(visual_query + prefix_query[layer]) is added to the
    // attention output of every position. Returns float32 logits [B, T, vocab]. Needs weights
    // loaded for training (load_llama_weights(..., training)): LoRA unmerged, raw gates.
    // With `checkpointing` each layer keeps only its input and recomputes the rest in the
    // backward pass (about one more forward, for a fraction of the activation memory).
    at::Tensor forward_train(const at::Tensor& tokens, const at::Tensor& visual_query, bool checkpointing = false) const;
    // forward_train up to the final norm: the hidden states [B, T, dim] the output layer reads.
    at::Tensor forward_train_hidden(const at::Tensor& tokens, const at::Tensor& visual_query, bool checkpointing = false) const;
    // The output layer on hidden states (any leading shape).
    at::Tensor output_logits(const at::Tensor& hidden) const { return w_.output.train(hidden); }
    // One layer of forward_train: h [B, T, dim] float32, `adapter` [B, 1, dim] or undefined,
    // `mask` [T, T] additive causal mask.
    at::Tensor train_layer(int64_t layer, const at::Tensor& h, const at::Tensor& adapter, const at::Tensor& mask) const;

private:
    at::Tensor attention(int64_t layer, const at::Tensor& x, int64_t start_pos, KvCache& cache, const at::Tensor& mask,
                         const at::Tensor& injected) const;
    at::Tensor feed_forward(int64_t layer, const at::Tensor& x) const;
    at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight) const;

    LlamaWeights w_;
    Rope rope_;
};

}  // namespace ibllm
