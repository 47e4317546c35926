#pragma once
// The LLaMA weight formats the benchmark compares (LoadOptions::weight_format): bf16, the
// exact path, and the quantised int8 and q4 of engine/llama/kernels/.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/tools/bench_scale.h"

namespace ibllm::bench {

// In the order they are measured: bf16 first, because the others are compared with it.
std::vector<std::string> all_format_names();

// True when `name` is a format this build can load (ibllm::parse_weight_format knows it).
bool format_available(const std::string& name);
// Selects `name` in `options`; false when this build cannot load that format.
bool select_format(LoadOptions& options, const std::string& name);

// Bytes a decoded token reads per weight, scales included, as engine/llama/kernels/ stores
// them: bf16 2; int8 1 plus a float32 scale per output row (`in_features` weights); q4 half
// a byte plus a half-precision scale per group of 32. 0 for an unknown name.
double bytes_per_weight(const std::string& format, int64_t in_features);
// Bytes of the projections one decoded token reads in `format` (7 per layer and the output
// layer): what the bandwidth bound divides the read bandwidth by.
double decode_weight_bytes(const BenchScale& scale, const std::string& format);

}  // namespace ibllm::bench
