#pragma once
// The ImageBind embeddings of the training examples. ImageBind is frozen, so each file is
// encoded once and its embedding kept in memory and in OUT/embeddings/, keyed by the
// file's content, the encoder and its preprocessing: a second run (or a resume) over the
// same data encodes nothing. A .npy holding one vector is taken as the embedding itself.
// Augmented images are re-encoded each time and not kept.
#include <ATen/core/Tensor.h>

#include <map>
#include <optional>
#include <string>

#include "engine/engine.h"

namespace ibllm {

struct TrainingExample;

class EmbeddingStore {
public:
    // `blank_file`: a .npy given with --blank-embedding, else hooks.blank_embedding is asked.
    EmbeddingStore(const TrainHooks& hooks, std::string cache_dir, std::string blank_file);

    // The raw embedding [D] float32 of an example (the blank one for text-only examples).
    at::Tensor get(const TrainingExample& example, std::optional<uint64_t> augment_seed = std::nullopt);
    at::Tensor blank(const TrainingExample& example);
    // Whether get() of this example would read a precomputed .npy (never augmented).
    static bool is_precomputed(const std::string& media);
    int64_t encoded() const { return encoded_; }

private:
    at::Tensor encode(const TrainingExample& example, std::optional<uint64_t> augment_seed);
    const TrainHooks& hooks_;
    std::string cache_dir_, blank_file_;
    std::map<std::string, at::Tensor> memory_;
    at::Tensor blank_;
    int64_t encoded_ = 0;
};

}  // namespace ibllm
