#pragma once
// Compute precision of the language model on CPU. libtorch 1.13 has no fp16 matmul on CPU,
// so fp16 checkpoints compute in bf16 by default.
#include <string>

namespace ibllm {

enum class Precision {
    Auto,  // bf16 for fp16/bf16 checkpoints, fp32 for fp32 ones
    Fp32,
    Bf16,
};

std::string to_string(Precision p);
Precision parse_precision(const std::string& s);  // "auto", "fp32", "bf16"; Error otherwise

// How the language model's projection matrices (the 7 per layer and the output) are stored.
// Decoding reads every weight once per token and is bound by memory bandwidth, so fewer bytes
// per weight means proportionally more tokens per second (engine/llama/kernels/).
enum class WeightFormat {
    Bf16,  // the exact path: the weights in the compute dtype of Precision (bf16 or fp32)
    Int8,  // 8-bit, one scale per output row (~1 byte per weight)
    Q4,    // 4-bit, one half-precision scale per group of 32 (4.5 bits per weight)
};

std::string to_string(WeightFormat f);
WeightFormat parse_weight_format(const std::string& s);  // "bf16", "int8", "q4"; Error otherwise

}  // namespace ibllm
