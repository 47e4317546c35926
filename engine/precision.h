#pragma once
// Compute precision of the language model on CPU. libtorch has no fp16 matmul on CPU
// (platform-notes pitfall 6), so fp16 checkpoints compute in bf16 by default.
#include <string>

namespace ibllm {

enum class Precision {
    Auto,  // bf16 for fp16/bf16 checkpoints, fp32 for fp32 ones
    Fp32,
    Bf16,
};

std::string to_string(Precision p);
Precision parse_precision(const std::string& s);  // "auto", "fp32", "bf16"; Error otherwise

}  // namespace ibllm
