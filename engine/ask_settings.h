#pragma once
// How an answer is made: sampling, and the visual cache's retrieval. Plain structs, no torch,
// shared by the public API (engine.h: AskRequest) and the parts that use them (the generator,
// the visual cache), so that each setting is declared once.
#include <cstdint>
#include <optional>

namespace ibllm {

struct SamplingSettings {
    double temperature = 0.1;  // <= 0: greedy
    double top_p = 0.75;
    int max_tokens = 256;
    std::optional<uint64_t> seed;
};

struct CacheSettings {
    bool enabled = true;  // used when a cache is loaded (the visual cache itself ignores it)
    int k = 10;           // how many cached features to retrieve
    double t = 20.0;      // softmax temperature applied to the similarities (multiplied)
    double w = 0.5;       // share of the retrieved feature in the mix, in [0, 1]
};

}  // namespace ibllm
