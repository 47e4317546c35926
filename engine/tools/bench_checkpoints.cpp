#include "engine/tools/bench_checkpoints.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>

#include "engine/checkpoint/pth_writer.h"
#include "engine/error.h"
#include "engine/imagebind/imagebind_config.h"
#include "engine/imagebind/imagebind_weight_layout.h"
#include "engine/imagebind/pointbert/point_bert_config.h"
#include "engine/imagebind/pointbert/point_encoder.h"
#include "engine/llama/tokenizer.h"
#include "engine/tools/bench_system.h"

namespace fs = std::filesystem;

namespace ibllm::bench {

constexpr const char* kCompleteMarker = "BENCH_COMPLETE.json";
// Bump when the random weights change, so that old caches are rewritten.
constexpr int kFormatVersion = 1;

double gb(uint64_t bytes) { return static_cast<double>(bytes) / 1e9; }

// Writes `root` (whose tensors are the plan's placeholders) tensor by tensor. Each tensor
// has its own seed, so the data does not depend on the order the writer asks for it.
void write_planned(const fs::path& path, const Value& root, const Plan& plan, uint64_t seed) {
    const uint64_t total = plan.bytes();
    uint64_t done = 0;
    int last_percent = -1;
    const int64_t t0 = monotonic_ns();
    write_pth(path.string(), root, [&](size_t index, const at::Tensor& placeholder) {
        const PlannedTensor& p = plan.tensors().at(index);
        at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed * 1000003ull + index);
        at::Tensor t = p.make(gen).to(p.dtype).contiguous();
        done += static_cast<uint64_t>(t.numel()) * t.element_size();
        const int percent = static_cast<int>(100.0 * static_cast<double>(done) / static_cast<double>(std::max<uint64_t>(total, 1)));
        if (total >= (256ull << 20) && percent / 10 != last_percent / 10) {  // big files only
            std::fprintf(stderr, "  writing %s: %3d%% (%.1f of %.1f GB, %.0f s)\n", path.filename().c_str(), percent, gb(done),
                         gb(total), seconds_since_ns(t0));
            last_percent = percent;
        }
        return t;
    });
}

void mark_complete(const fs::path& dir, const nlohmann::json& spec) { write_text(dir / kCompleteMarker, spec.dump(1)); }

void write_text(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out) throw Error("Cannot write " + path.string() + "; check that the benchmark cache folder is writable or pass --cache-dir.");
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// True when `dir` holds a complete cache written for exactly `spec`.
bool cache_matches(const fs::path& dir, const nlohmann::json& spec) {
    std::error_code ec;
    if (!fs::exists(dir / kCompleteMarker, ec)) return false;
    try {
        return nlohmann::json::parse(read_text(dir / kCompleteMarker)) == spec;
    } catch (const std::exception&) {
        return false;
    }
}

void require_disk(const fs::path& dir, uint64_t needed) {
    const uint64_t margin = 512ull << 20;
    const uint64_t free = free_disk_bytes(dir.string());
    if (free < needed + margin) {
        char msg[512];
        std::snprintf(msg, sizeof msg,
                      "The benchmark needs %.1f GB free in %s for its random-weight checkpoints but only %.1f GB is free; "
                      "free some space or pass --cache-dir on a larger disk.",
                      gb(needed + margin), dir.c_str(), gb(free));
        throw Error(msg);
    }
}

void make_folder(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir))
        throw Error("Cannot create the benchmark cache folder " + dir.string() + "; pass --cache-dir with a writable folder.");
}

// ---- LLaMA + adapter ---------------------------------------------------------------
//
// Scales are chosen so that activations stay near unit size through every layer (matrices
// with std 1/sqrt(fan_in), residual branches damped by 1/sqrt(2 * layers)), and logits spread
// like a trained model's (std about 3). EOS's output row is zero: its logit is then exactly 0
// while the largest of 32000 random logits is far above it, so greedy decoding never stops
// early and every run decodes the number of tokens asked for.

Plan llama_base_plan(const BenchScale& s, int eos_id) {
    const int64_t D = s.dim, F = s.ffn_hidden(), V = s.vocab, hd = s.dim / s.heads;
    const double in_d = 1.0 / std::sqrt(double(D)), residual = 1.0 / std::sqrt(2.0 * double(s.layers));
    Plan p;
    p.normal("tok_embeddings.weight", {V, D}, at::kHalf, 1.0);
    p.constant("norm.weight", {D}, at::kHalf, 1.0);
    p.add("output.weight", {V, D}, at::kHalf, [V, D, eos_id](at::Generator& g) {
        at::Tensor w = at::normal(0.0, 3.0 / std::sqrt(double(D)), {V, D}, g);
        if (eos_id >= 0 && eos_id < V) w[eos_id].zero_();
        return w;
    });
    for (int64_t i = 0; i < s.layers; ++i) {
        const std::string l = "layers." + std::to_string(i) + ".";
        p.normal(l + "attention.wq.weight", {D, D}, at::kHalf, in_d);
        p.normal(l + "attention.wk.weight", {D, D}, at::kHalf, in_d);
        p.normal(l + "attention.wv.weight", {D, D}, at::kHalf, in_d);
        p.normal(l + "attention.wo.weight", {D, D}, at::kHalf, in_d * residual);
        p.normal(l + "feed_forward.w1.weight", {F, D}, at::kHalf, in_d);
        p.normal(l + "feed_forward.w2.weight", {D, F}, at::kHalf, residual / std::sqrt(double(F)));
        p.normal(l + "feed_forward.w3.weight", {F, D}, at::kHalf, in_d);
        p.constant(l + "attention_norm.weight", {D}, at::kHalf, 1.0);
        p.constant(l + "ffn_norm.weight", {D}, at::kHalf, 1.0);
    }
    p.add("rope.freqs", {hd / 2}, at::kHalf, [hd](at::Generator&) {
        return at::pow(10000.0, at::arange(0, hd, 2, at::kFloat) / double(hd)).reciprocal();
    });
    return p;
}

namespace {

Plan adapter_plan(const BenchScale& s) {
    const int64_t D = s.dim, F = s.ffn_hidden(), H = s.heads, R = s.lora_rank, V = s.visual_dim;
    const auto f32 = at::kFloat;
    const double lora_out = 0.02 / std::sqrt(double(R));
    Plan p;
    for (int64_t i = 0; i < s.layers; ++i) {
        const std::string l = "llama.layers." + std::to_string(i) + ".";
        p.uniform(l + "attention.gate", {1, H, 1, 1}, f32, -0.5, 0.5);
        p.normal(l + "attention.wq.bias", {D}, f32, 0.02);
        p.normal(l + "attention.wo.bias", {D}, f32, 0.02);
        for (const char* w : {"wq", "wk", "wv", "wo"}) {
            p.normal(l + "attention.lora_" + w + "_l1.weight", {R, D}, f32, 1.0 / std::sqrt(double(D)));
            p.normal(l + "attention.lora_" + w + "_l2.weight", {D, R}, f32, lora_out);
        }
        p.normal(l + "feed_forward.w1.bias", {F}, f32, 0.02);
        p.normal(l + "feed_forward.w2.bias", {D}, f32, 0.02);
        p.normal(l + "feed_forward.w3.bias", {F}, f32, 0.02);
        p.normal(l + "feed_forward.lora_w1_l1.weight", {R, D}, f32, 1.0 / std::sqrt(double(D)));
        p.normal(l + "feed_forward.lora_w1_l2.weight", {F, R}, f32, lora_out);
        p.normal(l + "feed_forward.lora_w2_l1.weight", {R, F}, f32, 1.0 / std::sqrt(double(F)));
        p.normal(l + "feed_forward.lora_w2_l2.weight", {D, R}, f32, lora_out);
        p.normal(l + "feed_forward.lora_w3_l1.weight", {R, D}, f32, 1.0 / std::sqrt(double(D)));
        p.normal(l + "feed_forward.lora_w3_l2.weight", {F, R}, f32, lora_out);
        p.uniform(l + "attention_norm.weight", {D}, f32, 0.8, 1.2);
        p.uniform(l + "ffn_norm.weight", {D}, f32, 0.8, 1.2);
    }
    p.uniform("llama.norm.weight", {D}, f32, 0.8, 1.2);
    p.normal("image_bind_proj.weight", {D, V}, f32, 1.0 / std::sqrt(double(V)));
    p.normal("image_bind_proj.bias", {D}, f32, 0.02);
    for (int b = 1; b <= 3; ++b) {
        const std::string n = std::to_string(b);
        p.uniform("image_bind_norm_" + n + ".weight", {D}, f32, 0.8, 1.2);
        p.normal("image_bind_f1_" + n + ".weight", {4 * D, D}, f32, 1.0 / std::sqrt(double(D)));
        p.normal("image_bind_f2_" + n + ".weight", {D, 4 * D}, f32, 0.5 / std::sqrt(double(4 * D)));
        p.normal("image_bind_f3_" + n + ".weight", {4 * D, D}, f32, 1.0 / std::sqrt(double(D)));
    }
    p.normal("prefix_query.weight", {s.layers, D}, f32, 0.5);
    return p;
}

nlohmann::json llama_spec(const BenchScale& s, const std::string& tokenizer_size) {
    return {{"version", kFormatVersion}, {"dim", s.dim},      {"layers", s.layers},         {"heads", s.heads},
            {"multiple_of", s.multiple_of}, {"vocab", s.vocab}, {"visual_dim", s.visual_dim}, {"lora_rank", s.lora_rank},
            {"tokenizer_size", tokenizer_size}};
}

void write_llama_folder(const BenchScale& s, const fs::path& dir, const std::string& tokenizer_source, const nlohmann::json& spec) {
    // Start empty: the engine caches quantised copies next to consolidated.00.pth, and those
    // of older random weights must not outlive them.
    std::error_code ec;
    fs::remove_all(dir, ec);
    make_folder(dir);
    // Room for the engine's cached int8 (~1/2 of the fp16 file) and q4 (~0.28) copies too.
    require_disk(dir, s.base_bytes() + s.base_bytes() * 4 / 5 + s.adapter_bytes());
    std::fprintf(stderr, "Writing random-weight LLaMA checkpoints (%s shape) into %s (once; later runs reuse them)\n",
                 s.name.c_str(), dir.c_str());

    fs::copy_file(tokenizer_source, dir / "tokenizer.model", fs::copy_options::overwrite_existing, ec);
    if (ec) throw Error("Cannot copy " + tokenizer_source + " into " + dir.string() + "; check that the cache folder is writable.");
    const Tokenizer tokenizer((dir / "tokenizer.model").string());
    if (tokenizer.n_words() != s.vocab)
        throw Error(tokenizer_source + " has " + std::to_string(tokenizer.n_words()) +
                    " pieces, not LLaMA's 32000; pass --tokenizer with LLaMA's tokenizer.model.");

    write_text(dir / "params.json", nlohmann::json{{"dim", s.dim},
                                                   {"multiple_of", s.multiple_of},
                                                   {"n_heads", s.heads},
                                                   {"n_layers", s.layers},
                                                   {"norm_eps", 1e-6},
                                                   {"vocab_size", -1}}
                                        .dump());

    const Plan base = llama_base_plan(s, tokenizer.eos_id());
    write_planned(dir / "consolidated.00.pth", base.placeholders(true), base, 1);

    const Plan adapter = adapter_plan(s);
    Value config = Value::make_dict();
    config.set("note", Value::string("random weights written by ibllm-bench; not a trained model"));
    config.set("phase", Value::string("finetune"));
    Value root = Value::make_dict();
    root.set("model", adapter.placeholders(false));
    root.set("config", config);
    write_planned(dir / "adapter.pth", root, adapter, 2);

    write_text(dir / kCompleteMarker, spec.dump(1));
}

// ---- ImageBind-huge with the 3D encoder ---------------------------------------------

Plan imagebind_plan() {
    Plan p;
    const ImageBindConfig config = ImageBindConfig::huge();
    auto add = [&](const std::string& name, const std::vector<int64_t>& shape) {
        const bool counter = name.size() >= 19 && name.compare(name.size() - 19, 19, "num_batches_tracked") == 0;
        p.add(name, shape, counter ? at::kLong : at::kFloat,
              [name, shape](at::Generator& g) { return random_imagebind_weight(name, shape, g); });
    };
    for (const auto& [name, shape] : expected_shapes(config)) add(name, shape);
    for (const auto& [name, shape] : PointEncoder::weight_shapes(PointBertConfig::huge())) add(name, shape);
    return p;
}

void write_imagebind_folder(const fs::path& dir, const nlohmann::json& spec) {
    make_folder(dir);
    std::error_code ec;
    fs::remove(dir / kCompleteMarker, ec);
    const Plan plan = imagebind_plan();
    require_disk(dir, plan.bytes());
    std::fprintf(stderr, "Writing a random-weight imagebind_w3D.pth (ImageBind-huge + Point-BERT) into %s (once)\n", dir.c_str());
    const std::string vocab = find_project_file("resources/bpe_simple_vocab_16e6.txt.gz");
    if (vocab.empty())
        throw Error("The CLIP vocabulary resources/bpe_simple_vocab_16e6.txt.gz was not found; run the benchmark from its build tree.");
    fs::copy_file(vocab, dir / "bpe_simple_vocab_16e6.txt.gz", fs::copy_options::overwrite_existing, ec);
    if (ec) throw Error("Cannot copy the CLIP vocabulary into " + dir.string() + "; check that the cache folder is writable.");
    write_planned(dir / "imagebind_w3D.pth", plan.placeholders(true), plan, 3);
    write_text(dir / kCompleteMarker, spec.dump(1));
}

}  // namespace

at::Tensor random_imagebind_weight(const std::string& name, const std::vector<int64_t>& shape, at::Generator& gen) {
    auto ends_with = [&](const char* s) {
        const size_t n = std::strlen(s);
        return name.size() >= n && name.compare(name.size() - n, n, s) == 0;
    };
    if (ends_with("num_batches_tracked")) return at::zeros(shape, at::kLong);
    if (ends_with("running_var")) return at::ones(shape);
    if (ends_with("running_mean")) return at::zeros(shape);
    if (ends_with("log_logit_scale")) return at::full(shape, std::log(20.0));
    if (ends_with("text.mask")) return at::full(shape, -std::numeric_limits<float>::infinity()).triu(1);
    if (shape.size() == 1 && ends_with("weight")) return at::ones(shape);
    if (shape.size() == 1 && ends_with("bias")) return at::zeros(shape);
    return at::normal(0.0, 0.02, shape, gen);
}

std::string default_cache_root() {
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return (fs::path(xdg) / "imagebind-llm-bench").string();
    const char* home = std::getenv("HOME");
    return (fs::path(home && *home ? home : "/tmp") / ".cache" / "imagebind-llm-bench").string();
}

std::string find_project_file(const std::string& relative, const std::string& next_to_exe_name) {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    const std::string name = next_to_exe_name.empty() ? fs::path(relative).filename().string() : next_to_exe_name;
    if (!ec && fs::exists(exe.parent_path() / name, ec)) return (exe.parent_path() / name).string();
#ifdef IBLLM_SOURCE_DIR
    if (fs::exists(fs::path(IBLLM_SOURCE_DIR) / relative, ec)) return (fs::path(IBLLM_SOURCE_DIR) / relative).string();
#endif
    return "";
}

BenchModelFiles ensure_bench_checkpoints(const BenchScale& scale, const std::string& cache_root, bool with_imagebind,
                                         const std::string& tokenizer_source) {
    const fs::path root(cache_root);
    std::string tokenizer = tokenizer_source;
    if (tokenizer.empty()) tokenizer = find_project_file("tests/data/llama_adapter/tokenizer.model", "llama_tokenizer.model");
    std::error_code ec;
    if (tokenizer.empty() || !fs::exists(tokenizer, ec))
        throw Error("LLaMA's tokenizer.model was not found (tests/data/llama_adapter/tokenizer.model); pass --tokenizer with its path.");

    BenchModelFiles files;
    const fs::path llama = root / ("llama-" + scale.name);
    const nlohmann::json spec = llama_spec(scale, std::to_string(fs::file_size(tokenizer, ec)));
    if (!cache_matches(llama, spec)) write_llama_folder(scale, llama, tokenizer, spec);
    files.llama_dir = llama.string();
    files.tokenizer = (llama / "tokenizer.model").string();
    files.adapter = (llama / "adapter.pth").string();

    if (with_imagebind) {
        const fs::path ib = root / "imagebind-huge";
        const nlohmann::json ib_spec = {{"version", kFormatVersion}, {"model", "imagebind_huge_w3D"}};
        if (!cache_matches(ib, ib_spec)) write_imagebind_folder(ib, ib_spec);
        files.imagebind = (ib / "imagebind_w3D.pth").string();
    }
    files.run_dir = (llama / "run").string();
    make_folder(files.run_dir);
    return files;
}

}  // namespace ibllm::bench
