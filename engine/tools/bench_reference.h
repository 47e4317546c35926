#pragma once
// `--reference-python`: times reference_decode.py (a reference-style decode loop in bf16 at
// the benchmark's shape) with Debian's /usr/bin/python3 and python3-torch. The benchmark
// installs nothing: without torch the comparison is skipped with a message.
#include <optional>
#include <string>

#include "engine/tools/bench_scale.h"

namespace ibllm::bench {

struct ReferenceResult {
    std::optional<double> tokens_per_s;  // empty when skipped or failed
    std::string message;                 // why it was skipped, or what ran
};

ReferenceResult run_reference_decode(const BenchScale& scale, int threads, int prompt_tokens, int steps);

}  // namespace ibllm::bench
