#pragma once
// The two tuning phases of ImageBind-LLM and which tensors each one trains, as the
// reference's LLaMA_adapter.get_trainable_params / set_default_trainability decide.
#include <string>

namespace ibllm {

enum class TrainingPhase {
    // Image-caption pairs: the zero-initialised gates, the bind network (image_bind_*) and
    // the prefix queries learn to bring the visual token into LLaMA. No LoRA, no biases.
    Pretrain,
    // Instructions: every LLaMA norm, bias and LoRA tensor; the rest is frozen.
    Finetune,
    // Not a phase of the reference: a LLaMA of its own, every weight trained as a causal
    // language model on text (the solids world's `train base`). No adapter.
    Base,
};

std::string to_string(TrainingPhase phase);      // "pretrain" / "finetune" / "base"
TrainingPhase parse_training_phase(const std::string& s);  // ibllm::Error otherwise

// Whether the parameter `name` (the adapter checkpoint's name, e.g.
// "llama.layers.0.attention.gate") is trained in `phase`: the reference's rule.
bool is_trainable(TrainingPhase phase, const std::string& name);

// add_weight_decay: one-dimensional tensors and names ending in ".bias" get no decay.
bool gets_weight_decay(const std::string& name, int64_t dims);

}  // namespace ibllm
