#pragma once
// One weight format's measurements, run in a process of its own (the parent starts one per
// format) so that load time is launch-to-ready and the peak RSS belongs to that format alone.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/tools/bench_checkpoints.h"
#include "engine/tools/bench_scale.h"

namespace ibllm::bench {

struct FormatRunSettings {
    BenchScale scale;
    BenchModelFiles files;
    std::string format;        // "bf16", "int8", "q4"
    int threads = 0;           // 0: all cores
    int context = 2048;        // the product's default context window
    int decode_tokens = 32;
    int repeats = 1;           // timed runs per figure; the best is kept
    bool encoders = true;      // time the six encoders (done once per run, by the first format)
    bool agreement = true;     // the teacher-forced comparison with bf16 (a second model load)
    int64_t launched_ns = 0;   // monotonic_ns() of the parent right before starting this process
};

// Returns the format's JSON object (the keys of the --json output this process measures;
// bandwidth and the reference are the parent's). Progress goes to stderr.
nlohmann::json run_format(const FormatRunSettings& settings);

}  // namespace ibllm::bench
