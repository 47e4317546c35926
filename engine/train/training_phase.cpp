#include "engine/train/training_phase.h"

#include <cstdint>

#include "engine/error.h"

namespace ibllm {

namespace {
bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }
bool contains(const std::string& s, const std::string& p) { return s.find(p) != std::string::npos; }
bool ends_with(const std::string& s, const std::string& p) {
    return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}
}  // namespace

std::string to_string(TrainingPhase phase) {
    return phase == TrainingPhase::Pretrain ? "pretrain" : phase == TrainingPhase::Finetune ? "finetune" : "base";
}

TrainingPhase parse_training_phase(const std::string& s) {
    if (s == "pretrain") return TrainingPhase::Pretrain;
    if (s == "finetune") return TrainingPhase::Finetune;
    if (s == "base") return TrainingPhase::Base;
    throw Error("Unknown training phase '" + s + "'; use pretrain, finetune or base.");
}

bool is_trainable(TrainingPhase phase, const std::string& name) {
    if (phase == TrainingPhase::Base) return !starts_with(name, "llama.") && !starts_with(name, "image_bind_") && !starts_with(name, "prefix_query.");
    if (phase == TrainingPhase::Finetune)
        return starts_with(name, "llama.") && (contains(name, "norm") || contains(name, "bias") || contains(name, "lora"));
    if (starts_with(name, "llama.")) return contains(name, "gate");
    // "image_bind_" and not "image_bind.": the ImageBind encoder itself stays frozen.
    return starts_with(name, "image_bind_") || starts_with(name, "prefix_query.");
}

bool gets_weight_decay(const std::string& name, int64_t dims) { return !(dims == 1 || ends_with(name, ".bias")); }

}  // namespace ibllm
