#pragma once
// Sizes of a LLaMA model as Meta's params.json describes them, plus what the reference
// derives from them (FFN hidden size, head size). The real LLaMA-7B is a built-in preset.
#include <cstdint>
#include <string>

namespace ibllm {

struct LlamaConfig {
    int64_t dim = 4096;
    int64_t n_layers = 32;
    int64_t n_heads = 32;
    int64_t multiple_of = 256;
    double norm_eps = 1e-6;
    int64_t vocab_size = 32000;  // params.json says -1: the tokenizer decides
    int64_t lora_rank = 16;      // ModelArgs default; not in params.json
    // Context window: positions the KV cache and RoPE table cover. The reference builds its
    // model with 512; the product allows up to 2048, LLaMA-1's training length.
    int64_t max_seq_len = 2048;

    int64_t head_dim() const { return dim / n_heads; }
    // The reference FeedForward: int(2 * 4 * dim / 3) rounded up to multiple_of.
    int64_t ffn_hidden() const;

    // Reads params.json (Meta's keys: dim, multiple_of, n_heads, n_layers, norm_eps, vocab_size).
    static LlamaConfig from_params_json(const std::string& path);
    static LlamaConfig llama_7b();

    // "LLaMA-7B", "LLaMA-13B", ... for the sizes Meta released, else "a custom LLaMA".
    std::string size_name() const;
};

constexpr int64_t kMaxContext = 2048;

}  // namespace ibllm
