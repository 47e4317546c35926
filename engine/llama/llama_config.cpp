#include "engine/llama/llama_config.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/error.h"

namespace ibllm {

int64_t LlamaConfig::ffn_hidden() const {
    int64_t hidden = static_cast<int64_t>(2.0 * (4 * dim) / 3.0);
    return multiple_of * ((hidden + multiple_of - 1) / multiple_of);
}

LlamaConfig LlamaConfig::llama_7b() { return LlamaConfig{}; }

std::string LlamaConfig::size_name() const {
    if (dim == 4096 && n_layers == 32) return "LLaMA-7B";
    if (dim == 5120 && n_layers == 40) return "LLaMA-13B";
    if (dim == 6656 && n_layers == 60) return "LLaMA-30B";
    if (dim == 8192 && n_layers == 80) return "LLaMA-65B";
    return "a custom LLaMA (dim " + std::to_string(dim) + ", " + std::to_string(n_layers) + " layers)";
}

LlamaConfig LlamaConfig::from_params_json(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw Error(path + " cannot be opened; point --llama at the folder that holds LLaMA's params.json and consolidated.00.pth.");
    nlohmann::json j;
    try {
        in >> j;
    } catch (const std::exception&) {
        throw Error(path + " is not valid JSON; use the params.json that came with the LLaMA weights.");
    }
    if (!j.is_object()) throw Error(path + " is not a LLaMA params.json (expected a JSON object); use the one that came with the weights.");
    LlamaConfig c;
    auto need_int = [&](const char* key, int64_t& out) {
        if (!j.contains(key) || !j[key].is_number_integer())
            throw Error(path + " has no integer '" + key + "'; it is not a LLaMA params.json.");
        out = j[key].get<int64_t>();
    };
    need_int("dim", c.dim);
    need_int("n_layers", c.n_layers);
    need_int("n_heads", c.n_heads);
    if (j.contains("multiple_of")) need_int("multiple_of", c.multiple_of);
    if (j.contains("norm_eps")) {
        if (!j["norm_eps"].is_number()) throw Error(path + ": 'norm_eps' is not a number; it is not a LLaMA params.json.");
        c.norm_eps = j["norm_eps"].get<double>();
    }
    c.vocab_size = -1;
    if (j.contains("vocab_size") && j["vocab_size"].is_number_integer()) c.vocab_size = j["vocab_size"].get<int64_t>();
    if (j.contains("n_kv_heads") && j["n_kv_heads"].is_number_integer() && j["n_kv_heads"].get<int64_t>() != c.n_heads)
        throw Error(path + " describes a grouped-query (LLaMA-2 70B style) model; ImageBind-LLM needs LLaMA-7B.");
    if (c.dim <= 0 || c.n_layers <= 0 || c.n_heads <= 0 || c.dim % c.n_heads != 0 || c.head_dim() % 2 != 0 || c.multiple_of <= 0)
        throw Error(path + " has inconsistent sizes (dim " + std::to_string(c.dim) + ", heads " + std::to_string(c.n_heads) +
                    "); use the params.json that came with the weights.");
    return c;
}

}  // namespace ibllm
