#include "engine/onellm/onellm_model.h"

#include <algorithm>
#include <filesystem>

#include "engine/checkpoint/tensor_store.h"
#include "engine/error.h"
#include "engine/llama/kernels/compute_paths.h"
#include "engine/onellm/onellm_weights.h"

namespace fs = std::filesystem;

namespace ibllm {

namespace {

// consolidated.00-of-01.pth: the name save_model(--save_consolidated) gives.
std::string find_checkpoint(const std::string& dir) {
    std::error_code ec;
    std::vector<std::string> found;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string n = e.path().filename().string();
        if (n.rfind("consolidated.", 0) == 0 && n.find("-of-") != std::string::npos && e.path().extension() == ".pth")
            found.push_back(e.path().string());
    }
    std::sort(found.begin(), found.end());
    return found.empty() ? "" : found.front();
}

}  // namespace

bool is_onellm_folder(const std::string& dir) {
    std::error_code ec;
    return fs::is_directory(dir, ec) && !find_checkpoint(dir).empty();
}

OnellmFiles find_onellm_files(const std::string& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw Error(dir + " is not a folder; point --model at the folder that holds OneLLM's files.");
    OnellmFiles f;
    f.checkpoint = find_checkpoint(dir);
    if (f.checkpoint.empty())
        throw Error(dir + " has no consolidated.00-of-01.pth; download OneLLM-7B's checkpoint into it.");
    for (const char* name : {"llama_config.json", "7B.json", "params.json"})
        if (fs::is_regular_file(fs::path(dir) / name, ec)) {
            f.llama_config = (fs::path(dir) / name).string();
            break;
        }
    if (f.llama_config.empty())
        throw Error(dir + " has no llama_config.json (OneLLM's config/llama2/7B.json); copy it from the OneLLM repository.");
    if (fs::is_regular_file(fs::path(dir) / "onellm_config.json", ec)) f.onellm_config = (fs::path(dir) / "onellm_config.json").string();
    if (!fs::is_regular_file(fs::path(dir) / "tokenizer.model", ec))
        throw Error(dir + " has no tokenizer.model; copy LLaMA-2's tokenizer.model (OneLLM's config/llama2/) into it.");
    f.tokenizer = (fs::path(dir) / "tokenizer.model").string();
    return f;
}

OnellmModel load_onellm(const OnellmFiles& files, const OnellmLoadOptions& options, const LoadProgress& progress) {
    if (progress) progress("Reading " + fs::path(files.checkpoint).filename().string(), 0.0);
    const TensorStore file = TensorStore::from_pth(files.checkpoint);
    const TensorStore ck = file.with_prefix("llma.");
    if (ck.size() == 0)
        throw Error(files.checkpoint + " has no 'llma.' tensors; it is not a OneLLM checkpoint (consolidated.00-of-01.pth).");
    OnellmModel m;
    m.config = read_onellm_config(ck, files.llama_config, files.onellm_config);
    m.fix_positions = options.fix_positions;

    LlamaBuild build;
    build.config = m.config.llama;
    build.params_path = files.llama_config;
    build.precision = options.precision;
    build.max_seq_len = options.context;
    build.vocab_size = options.vocab_size;
    build.format = options.weight_format;
    // The quantised matrices are keyed on the checkpoint alone (no adapter is merged in).
    if (options.quant_cache) build.quant_cache = quant::QuantCacheKey{files.checkpoint, files.checkpoint, options.weight_format};
    const LoadProgress llm_progress = [&](const std::string& stage, double f) {
        if (progress) progress(stage, 0.1 + 0.8 * f);
    };
    m.llm = std::make_unique<Transformer>(build_llama_weights(ck, TensorStore(), build, llm_progress));
    m.config.llama = m.llm->config();
    if (progress) progress("Preparing the encoders", 0.9);
    // The encoders multiply in bf16 with a bf16 language model where the CPU has bf16
    // instructions (elsewhere bf16 products take a path far slower than float32).
    const at::ScalarType encoder_dtype =
        m.llm->compute_dtype() == at::kBFloat16 && quant::compute_paths().native_bf16 ? at::kBFloat16 : at::kFloat;
    m.encoder = std::make_unique<OnellmEncoder>(m.config, load_onellm_encoder_weights(ck, m.config, encoder_dtype), options.point_xyz);
    if (progress) progress("Model ready", 1.0);
    return m;
}

}  // namespace ibllm
