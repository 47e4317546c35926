#pragma once
// LLaMA with the ImageBind-LLM adapter, ready to train: the product's own Transformer and
// BindNetwork, built by the inference loaders from the same files, with the phase's
// trainable tensors turned into float32 leaves that autograd fills.
#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/checkpoint/pickle_value.h"
#include "engine/precision.h"
#include "engine/train/training_phase.h"

namespace ibllm {

class BindNetwork;
class Transformer;
class TensorStore;
struct LlamaConfig;

struct NamedParameter {
    std::string name;  // as in the adapter checkpoint, e.g. "llama.layers.0.attention.gate"
    at::Tensor tensor;
    bool trainable = false;
    bool saved = false;  // written to the trained adapter (adapter-side, not the base's norms)
};

struct TrainingModelOptions {
    std::string llama_dir;  // params.json + consolidated.00.pth
    std::string adapter;    // optional start point; empty: new tensors (pretrain only); none for base
    TrainingPhase phase = TrainingPhase::Finetune;
    Precision precision = Precision::Auto;
    int64_t vocab_size = 0;   // the tokenizer's
    int64_t visual_dim = 0;   // ImageBind's embedding size, for a new bind network
    uint64_t seed = 0;        // for new tensors
    int64_t max_seq_len = 512;
};

class TrainingModel {
public:
    // Throws ibllm::Error naming the file for a wrong model or adapter for the phase.
    explicit TrainingModel(const TrainingModelOptions& options);
    ~TrainingModel();
    TrainingModel(const TrainingModel&) = delete;
    TrainingModel& operator=(const TrainingModel&) = delete;

    TrainingPhase phase() const { return phase_; }
    const LlamaConfig& config() const;
    int64_t visual_dim() const;
    at::ScalarType compute_dtype() const;
    // How many adapter tensors were new (initialised here rather than read from a file).
    int new_tensors() const { return new_tensors_; }

    // Every adapter-side tensor in the reference's named_parameters() order.
    const std::vector<NamedParameter>& parameters() const { return params_; }
    // The trainable ones, in the same order (get_trainable_params).
    std::vector<NamedParameter> trainable() const;
    std::vector<at::Tensor> trainable_tensors() const;

    // forward_visual({'Image': [x, 1]}) of the reference: each raw ImageBind embedding
    // [B, visual_dim] L2-normalised, times 1 / (1 + 1e-6), through the bind network: [B, dim].
    // Undefined embeddings (the base phase) give an undefined query: no injection.
    at::Tensor visual_query(const at::Tensor& embeddings) const;
    // Teacher-forced logits [B, T, vocab] float32.
    at::Tensor logits(const at::Tensor& tokens, const at::Tensor& embeddings, bool checkpointing = false) const;
    // The reference loss: cross-entropy of logits[:, :-1] against labels[:, 1:], label 0
    // ignored, the mean over every counted token of the batch (logits.mean() * 0 when none).
    at::Tensor loss(const at::Tensor& tokens, const at::Tensor& labels, const at::Tensor& embeddings,
                    bool checkpointing = false) const;

    // {'model': {name: float32 tensor}, 'config': {...}}: the release's adapter layout, which
    // the product's loaders and the reference's llama_adapter.load read. For the base phase,
    // 'model' holds every weight under Meta's names (for checkpoints and resume).
    Value adapter_checkpoint(const Value& config) const;
    // The base phase's weights as Meta's consolidated.00.pth holds them (an OrderedDict).
    Value base_checkpoint(at::ScalarType dtype) const;

private:
    at::Tensor output_mean_times_zero(const at::Tensor& hidden) const;
    void build_base(const TrainingModelOptions& options);

    TrainingPhase phase_;
    std::unique_ptr<Transformer> transformer_;
    std::unique_ptr<BindNetwork> bind_;
    std::vector<NamedParameter> params_;
    int new_tensors_ = 0;
};

}  // namespace ibllm
