#include "engine/tools/bench_agreement.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "engine/checkpoint/npy.h"
#include "engine/checkpoint/tensor_store.h"
#include "engine/error.h"
#include "engine/llama/kv_cache.h"
#include "engine/llama/llama_weights.h"
#include "engine/llama/tokenizer.h"
#include "engine/llama/transformer.h"

namespace fs = std::filesystem;

namespace ibllm::bench {

namespace {

constexpr const char* kTeacherFile = "teacher.json";
constexpr const char* kLogitsFile = "bf16_logits.npy";

// The model as Engine::load builds it, in the weight format `options` selects.
Transformer load_model(const ModelPaths& paths, const LoadOptions& options, int64_t context) {
    const Tokenizer tokenizer(paths.tokenizer);
    const TensorStore adapter = TensorStore::from_pth(paths.adapter, "model");
    LlamaWeights weights =
        load_llama_weights(paths.llama_dir, adapter, options.precision, context, tokenizer.n_words(), nullptr,
                           options.weight_format);
    return Transformer(std::move(weights));
}

}  // namespace

void save_teacher(const std::string& run_dir, const TeacherSequence& t) {
    std::ofstream out(fs::path(run_dir) / kTeacherFile);
    out << nlohmann::json{{"ids", t.ids}, {"visual_query", t.visual_query}}.dump();
    if (!out) throw Error("Cannot write " + (fs::path(run_dir) / kTeacherFile).string() + "; check that the cache folder is writable.");
}

bool load_teacher(const std::string& run_dir, TeacherSequence& t) {
    std::ifstream in(fs::path(run_dir) / kTeacherFile);
    std::error_code ec;
    if (!in || !fs::exists(fs::path(run_dir) / kLogitsFile, ec)) return false;
    try {
        const nlohmann::json j = nlohmann::json::parse(in);
        t.ids = j.at("ids").get<std::vector<int>>();
        t.visual_query = j.at("visual_query").get<std::vector<float>>();
        return !t.ids.empty();
    } catch (const std::exception&) {
        return false;
    }
}

void clear_run_dir(const std::string& run_dir) {
    std::error_code ec;
    fs::remove(fs::path(run_dir) / kTeacherFile, ec);
    fs::remove(fs::path(run_dir) / kLogitsFile, ec);
}

nlohmann::json teacher_forced_agreement(const ModelPaths& paths, const LoadOptions& options, const TeacherSequence& teacher,
                                        const std::string& run_dir, bool is_reference) {
    at::NoGradGuard no_grad;
    const int64_t T = static_cast<int64_t>(teacher.ids.size());
    Transformer model = load_model(paths, options, T + 1);
    KvCache cache = model.new_cache();
    at::Tensor vq;
    if (!teacher.visual_query.empty())
        vq = at::from_blob(const_cast<float*>(teacher.visual_query.data()), {1, static_cast<int64_t>(teacher.visual_query.size())},
                           at::kFloat)
                 .clone();
    const AdapterValues adapter = model.adapter_values(vq);
    const std::vector<int64_t> ids(teacher.ids.begin(), teacher.ids.end());
    const at::Tensor logits = model.forward(ids, 0, cache, adapter, /*all_logits=*/true).to(at::kFloat).contiguous();  // [T, V]

    const fs::path logits_path = fs::path(run_dir) / kLogitsFile;
    if (is_reference) {
        write_npy(logits_path.string(), logits);
        return {{"top1_agreement_vs_bf16", 1.0},
                {"kl_vs_bf16_mean", 0.0},
                {"kl_vs_bf16_p99", 0.0},
                {"max_abs_logit_error_vs_bf16", 0.0},
                {"bf16_logit_std", logits.std().item<double>()},
                {"agreement_positions", T}};
    }
    const at::Tensor reference = read_npy(logits_path.string()).to(at::kFloat);
    if (!reference.sizes().equals(logits.sizes()))
        throw Error(logits_path.string() + " does not match this run's sequence; run the bf16 format in the same run.");
    const double agree = logits.argmax(-1).eq(reference.argmax(-1)).to(at::kDouble).mean().item<double>();
    // KL(bf16 || format) of the next-token distributions at each position, in nats, as
    // llama.cpp's --kl-divergence reports it: sum p * (log p - log q), in double.
    const at::Tensor log_p = at::log_softmax(reference.to(at::kDouble), -1);
    const at::Tensor log_q = at::log_softmax(logits.to(at::kDouble), -1);
    const at::Tensor kl = (log_p.exp() * (log_p - log_q)).sum(-1).clamp_min(0.0);  // [T]
    const at::Tensor sorted = std::get<0>(kl.sort());
    const int64_t p99 = std::min<int64_t>(T - 1, static_cast<int64_t>(std::ceil(0.99 * T)) - 1);
    return {{"top1_agreement_vs_bf16", agree},
            {"kl_vs_bf16_mean", kl.mean().item<double>()},
            {"kl_vs_bf16_p99", sorted[std::max<int64_t>(p99, 0)].item<double>()},
            {"max_abs_logit_error_vs_bf16", (logits - reference).abs().max().item<double>()},
            {"bf16_logit_std", reference.std().item<double>()},
            {"agreement_positions", T}};
}

}  // namespace ibllm::bench
