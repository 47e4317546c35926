#pragma once
// New adapter tensors for training from scratch, initialised as the reference's modules are:
// nn.Linear weights Kaiming-uniform (bound 1/sqrt(fan_in)) and biases uniform in the same
// bound, RMSNorm weights ones, nn.Embedding (the prefix queries) N(0, 1), the gates zero,
// LoRA l2 zero (so a new LoRA branch starts as the identity), the LLaMA biases zero.
#include <cstdint>

#include "engine/train/training_phase.h"

namespace ibllm {

class TensorStore;
struct LlamaConfig;

// Adds to `adapter` every tensor `phase` needs that it does not hold yet, and returns how
// many were added. Pretrain: the bind network (when image_bind_proj.weight is absent;
// `visual_dim` is its input size), the prefix queries (one row per layer) and each layer's
// gate. Finetune: each layer's LoRA factors (rank `config.lora_rank`) and biases. Seeded
// by `seed`, so the same call gives the same tensors.
int complete_adapter(TensorStore& adapter, TrainingPhase phase, const LlamaConfig& config, int64_t visual_dim, uint64_t seed);

}  // namespace ibllm
