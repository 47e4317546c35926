#pragma once
// The weights of LLaMA with the ImageBind-LLM adapter, gathered from the base checkpoint
// (consolidated.00.pth) and the adapter checkpoint (7B.pth) the way the reference loads
// them: base first, adapter second, so the adapter's tuned norms win.
#include <ATen/core/Tensor.h>

#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/llama/kernels/quantized_cache.h"
#include "engine/llama/llama_config.h"
#include "engine/precision.h"

namespace ibllm {

class TensorStore;
namespace quant {
struct QuantizedMatrix;
}

// y = x W^T (+ b). Weights are in the compute dtype, or quantised (int8 / 4-bit, see
// engine/llama/kernels/) when `quantized` is set, and then `weight` is undefined. The bias, the
// input and the output are float32, so the residual stream keeps full precision whatever the
// weights are.
struct Linear {
    at::Tensor weight;
    at::Tensor bias;  // undefined when the layer has none
    std::shared_ptr<const quant::QuantizedMatrix> quantized;
    // Loaded for training only: the LoRA factors kept apart from `weight` (l1 [rank, in],
    // l2 [out, rank], float32), because they are what is trained. Inference merges them.
    at::Tensor lora_l1, lora_l2;
    at::Tensor operator()(const at::Tensor& x) const;
    // The training form: W x + b + l2(l1(x)) with ATen ops only (autograd flows through
    // every trainable part), the product in the weight's dtype, float32 out.
    at::Tensor train(const at::Tensor& x) const;
};

// x through several projections that read the same input (q, k and v; w1 and w3). When they
// share a kernel they run in one parallel region with the activations prepared once, so a
// decoded token wakes the threads fewer times; the results are those of calling each.
std::vector<at::Tensor> apply_projections(const at::Tensor& x, std::initializer_list<const Linear*> layers);
// The same into preallocated float32 outputs (contiguous, [..., N_i] each): nothing is
// allocated on the kernels' paths (the decode step).
void apply_projections_into(const at::Tensor& x, std::initializer_list<const Linear*> layers, std::initializer_list<at::Tensor> outs);

// x W^T as float32 for a frozen weight in any dtype, differentiable in x (training): in the
// weight's dtype where the CPU multiplies it natively, else in float32 from the stored bits.
at::Tensor frozen_product(const at::Tensor& x, const at::Tensor& weight);

struct LayerWeights {
    at::Tensor attention_norm, ffn_norm;  // float32
    // LoRA is merged into these at load (W + l2 l1): one product per projection at run time.
    Linear wq, wk, wv, wo, w1, w2, w3;
    // The adapter value uses the BASE wv (no LoRA): keep wv's LoRA factors to take it back out.
    Linear wv_lora_l1, wv_lora_l2;  // undefined when the adapter has no LoRA
    at::Tensor gate_tanh;            // [n_heads] float32, tanh(gate), undefined for non-adapter layers
    at::Tensor gate;                 // training only: the raw gate [1, n_heads, 1, 1] float32
};

struct LlamaWeights {
    LlamaConfig config;
    at::ScalarType compute_dtype;
    WeightFormat weight_format = WeightFormat::Bf16;  // of the 7 projections per layer and the output
    at::Tensor tok_embeddings;  // [vocab, dim], left in the file's dtype (rows are gathered, not multiplied)
    std::vector<LayerWeights> layers;
    at::Tensor norm;  // float32
    Linear output;
    // Rows of prefix_query go to the last `query_layer` layers (all 32 in the real 7B).
    at::Tensor prefix_query;  // [query_layer, dim] float32
    int64_t query_layer = 0;
    bool has_lora = false, has_bias = false;
};

using LoadProgress = std::function<void(const std::string& stage, double fraction)>;

// `llama_dir` holds params.json and consolidated.*.pth; `adapter` is the 'model' dict of
// the adapter checkpoint. Every size is read from params.json and checked against the
// tensors; a mismatch is an Error that names the file. With `format` Int8 or Q4 the seven
// projections of every layer and the output projection are quantised from their float32
// values (LoRA merged in first); tok_embeddings, norms, biases and LoRA factors stay as they are.
// With `quant_cache` the quantised matrices are read from, or else written to,
// consolidated.00.<format>.safetensors next to the base checkpoint (engine/llama/kernels/
// quantized_cache.h); a stale or unwritable cache is ignored.
//
// `training` loads the same tensors for the differentiable forward (Transformer::
// forward_train): LoRA stays unmerged (Linear::lora_l1/l2), the raw gates are kept
// (LayerWeights::gate), and `format` must be Bf16. Frozen matrices stay in the compute dtype.
LlamaWeights load_llama_weights(const std::string& llama_dir, const TensorStore& adapter, Precision precision,
                                int64_t max_seq_len, int64_t vocab_size, const LoadProgress& progress,
                                WeightFormat format = WeightFormat::Bf16, bool quant_cache = false, bool training = false);

// How build_llama_weights makes the weights (load_llama_weights' options).
struct LlamaBuild {
    LlamaConfig config;        // from params.json (its vocab_size and max_seq_len are decided here)
    std::string params_path;   // for messages
    Precision precision = Precision::Auto;
    int64_t max_seq_len = kMaxContext;
    int64_t vocab_size = -1;   // the tokenizer's; <= 0: the embedding table's rows
    WeightFormat format = WeightFormat::Bf16;
    std::optional<quant::QuantCacheKey> quant_cache;  // where quantised matrices are kept, if anywhere
    bool training = false;
};

// The LLaMA of a checkpoint already open as `base` (Meta's names: tok_embeddings.weight,
// layers.N...., norm.weight, output.weight), e.g. a OneLLM checkpoint's "llma." part. An
// empty `adapter` gives a plain LLaMA without the visual injection.
LlamaWeights build_llama_weights(const TensorStore& base, const TensorStore& adapter, const LlamaBuild& build,
                                 const LoadProgress& progress);

// The base checkpoint files of a LLaMA folder: consolidated.*.pth, sorted.
std::vector<std::string> find_base_checkpoints(const std::string& llama_dir);

}  // namespace ibllm
