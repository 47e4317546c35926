#pragma once
// `ibllm-cli train imagebind`: the product's ImageBind architecture trained from scratch on
// the solids world, as the ImageBind paper trains it.
//   stage "text":       vision and text encoders, image <-> caption, CLIP's symmetric InfoNCE
//                       with the text's learnable logit scale (ImageBind starts from CLIP);
//   stage "modalities": audio, depth and Point-BERT encoders, each against the frozen image
//                       encoder on pairs of the same shape and colour.
// Positives are class-level (36 shape-colour pairs), so every batch holds at most one item
// per class: no two pairs of one class are ever each other's negatives. Data parallel over
// processes as the other phases (DataParallel): each rank takes its share of the batches,
// gradients are averaged, every rank steps alike, rank 0 alone writes.
#include "engine/engine.h"

namespace ibllm {

TrainSummary train_imagebind(const TrainOptions& options, const TrainHooks& hooks);

// The epoch's batches of item indices: at most one item per class in a batch, `batch` items
// where the classes allow, every item once. Seeded, so that every rank draws the same list.
std::vector<std::vector<int64_t>> class_distinct_batches(const std::vector<int>& item_class, int batch, uint64_t seed);

}  // namespace ibllm
