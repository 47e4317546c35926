#include "engine/tools/bench_scale.h"

#include "engine/error.h"

namespace ibllm::bench {

int64_t BenchScale::ffn_hidden() const {
    const int64_t hidden = 2 * 4 * dim / 3;
    return multiple_of * ((hidden + multiple_of - 1) / multiple_of);
}

int64_t BenchScale::matmul_params() const { return layers * (4 * dim * dim + 3 * dim * ffn_hidden()) + vocab * dim; }

uint64_t BenchScale::base_bytes() const {
    return 2ull * static_cast<uint64_t>(matmul_params() + vocab * dim + (2 * layers + 1) * dim);
}

uint64_t BenchScale::adapter_bytes() const {
    const int64_t F = ffn_hidden(), D = dim, R = lora_rank;
    const int64_t per_layer = 8 * R * D + 3 * R * (D + F) + 5 * D + 2 * F + heads;
    const int64_t bind = D * visual_dim + D + 3 * (D + 12 * D * D);
    return 4ull * static_cast<uint64_t>(layers * per_layer + bind + layers * D + D);
}

std::vector<std::string> scale_names() { return {"7b", "1.3b", "tiny"}; }

BenchScale scale_named(const std::string& name) {
    BenchScale s;
    s.name = name;
    if (name == "7b") {
        s.dim = 4096, s.layers = 32, s.heads = 32;
        s.default_decode_tokens = 32, s.default_repeats = 1;
    } else if (name == "1.3b") {
        s.dim = 2048, s.layers = 24, s.heads = 16;
        s.default_decode_tokens = 64, s.default_repeats = 2;
    } else if (name == "tiny") {
        s.dim = 256, s.layers = 4, s.heads = 4;
        s.default_decode_tokens = 32, s.default_repeats = 2;
    } else {
        throw Error("Unknown --scale '" + name + "'; choose 7b (LLaMA-7B, the default), 1.3b (quick) or tiny (a smoke run).");
    }
    return s;
}

}  // namespace ibllm::bench
