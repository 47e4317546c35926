#pragma once
// The model sizes the benchmark can build: the real LLaMA-7B shape, a 1.3B shape that is
// still memory-bound but quick, and a tiny one for a smoke run of the benchmark itself.
#include <cstdint>
#include <string>
#include <vector>

namespace ibllm::bench {

struct BenchScale {
    std::string name;  // "7b", "1.3b", "tiny": also the cache folder's suffix
    int64_t dim = 4096, layers = 32, heads = 32, multiple_of = 256;
    int64_t vocab = 32000;       // the real LLaMA tokenizer's
    int64_t visual_dim = 1024;   // ImageBind-huge's embedding size
    int64_t lora_rank = 16;
    int default_decode_tokens = 32;
    int default_repeats = 1;     // timed runs per figure (the best is kept)

    int64_t ffn_hidden() const;  // as the reference FeedForward derives it
    // Weights of the projections a decoded token multiplies by (7 per layer, plus the
    // output layer): what every token has to read from memory.
    int64_t matmul_params() const;
    // Bytes of consolidated.00.pth (fp16) and adapter.pth (fp32), for the disk check.
    uint64_t base_bytes() const;
    uint64_t adapter_bytes() const;
};

// "7b", "1.3b" or "tiny"; anything else throws ibllm::Error listing these.
BenchScale scale_named(const std::string& name);
std::vector<std::string> scale_names();

}  // namespace ibllm::bench
