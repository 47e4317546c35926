#pragma once
// A new LLaMA for the base phase: params.json and consolidated.00.pth in Meta's layout, with
// the weights PyTorch's modules start from (nn.Embedding N(0, 1), nn.Linear Kaiming-uniform
// with bound 1/sqrt(fan_in), RMSNorm ones), seeded.
#include <cstdint>
#include <string>

namespace ibllm {

struct LlamaConfig;

void write_new_llama(const std::string& dir, const LlamaConfig& config, uint64_t seed);

// params.json as Meta writes it (dim, multiple_of, n_heads, n_layers, norm_eps, vocab_size -1).
void write_params_json(const std::string& path, const LlamaConfig& config);

}  // namespace ibllm
