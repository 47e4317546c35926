#pragma once
// What each weights format (bf16, int8, q4) costs and gives for the chosen LLaMA, for the
// Model dialog: the memory the whole app needs with it, from the figures measured by
// ibllm-bench (docs/performance.md), and what it does to speed and to the answers.
#include <QString>
#include <optional>

#include "engine/precision.h"

namespace ibllm::app {

// The LLaMA's parameter count from its params.json (dim, n_layers, multiple_of, vocab_size);
// std::nullopt when the folder has no readable params.json.
std::optional<double> llamaParameterCount(const QString& llamaDir);

struct WeightsFormatNeeds {
    double memoryGiB = 0;  // peak resident memory of the app with ImageBind-huge loaded
    bool measured = false; // measured at this size (LLaMA-7B or the 1.3B bench model); else estimated
};

// From the peak RSS that ibllm-bench measured with LLaMA-7B and with the 1.3B bench model (each
// with ImageBind-huge): the measured figure at those sizes, a straight line through them for others.
WeightsFormatNeeds weightsFormatNeeds(ibllm::WeightFormat format, double parameters);

// One or two sentences for the dialog: the memory (when the size is known), the decoding speed
// against bf16 and how often its answers agree with bf16's (translated).
QString weightsFormatSummary(ibllm::WeightFormat format, std::optional<double> parameters);

}  // namespace ibllm::app
