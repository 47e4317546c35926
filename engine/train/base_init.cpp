#include "engine/train/base_init.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/checkpoint/pth_writer.h"
#include "engine/error.h"
#include "engine/llama/llama_config.h"

namespace fs = std::filesystem;

namespace ibllm {

void write_params_json(const std::string& path, const LlamaConfig& c) {
    const nlohmann::json j = {{"dim", c.dim},           {"multiple_of", c.multiple_of}, {"n_heads", c.n_heads},
                              {"n_layers", c.n_layers}, {"norm_eps", c.norm_eps},       {"vocab_size", -1}};
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp);
        out << j.dump();
        if (!out) throw Error("Could not write " + path + "; check that the folder is writable and has free space.");
    }
    fs::rename(tmp, path);
}

void write_new_llama(const std::string& dir, const LlamaConfig& c, uint64_t seed) {
    if (c.dim <= 0 || c.n_heads <= 0 || c.dim % c.n_heads != 0 || (c.dim / c.n_heads) % 2 != 0 || c.n_layers <= 0 ||
        c.multiple_of <= 0 || c.vocab_size <= 0)
        throw Error("A new LLaMA needs dim divisible by --heads into an even head size, at least one layer and a vocabulary.");
    fs::create_directories(dir);
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    const int64_t D = c.dim, F = c.ffn_hidden();
    auto linear = [&](int64_t out, int64_t in) {
        const double b = 1.0 / std::sqrt(static_cast<double>(in));
        return at::empty({out, in}, at::kFloat).uniform_(-b, b, gen);
    };
    Value sd = Value::make_dict(/*ordered=*/true);
    sd.set("tok_embeddings.weight", Value::from_tensor(at::empty({c.vocab_size, D}, at::kFloat).normal_(0, 1, gen)));
    for (int64_t i = 0; i < c.n_layers; ++i) {
        const std::string l = "layers." + std::to_string(i) + ".";
        for (const char* p : {"wq", "wk", "wv", "wo"}) sd.set(l + "attention." + p + ".weight", Value::from_tensor(linear(D, D)));
        sd.set(l + "feed_forward.w1.weight", Value::from_tensor(linear(F, D)));
        sd.set(l + "feed_forward.w2.weight", Value::from_tensor(linear(D, F)));
        sd.set(l + "feed_forward.w3.weight", Value::from_tensor(linear(F, D)));
        sd.set(l + "attention_norm.weight", Value::from_tensor(at::ones({D}, at::kFloat)));
        sd.set(l + "ffn_norm.weight", Value::from_tensor(at::ones({D}, at::kFloat)));
    }
    sd.set("norm.weight", Value::from_tensor(at::ones({D}, at::kFloat)));
    sd.set("output.weight", Value::from_tensor(linear(c.vocab_size, D)));
    write_pth((fs::path(dir) / "consolidated.00.pth").string(), sd);
    write_params_json((fs::path(dir) / "params.json").string(), c);
}

}  // namespace ibllm
