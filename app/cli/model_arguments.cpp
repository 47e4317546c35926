#include "app/cli/model_arguments.h"

#include <cstdlib>

namespace ibllm::cli {

std::set<std::string> model_option_names() {
    return {"model", "llama", "tokenizer", "adapter", "imagebind", "imagebind-config", "cache", "cache-size", "cache-t",
            "cache-weight", "temperature", "top-p", "seed", "max-tokens", "precision", "weights", "threads", "context",
            "language", "family"};
}

std::set<std::string> model_flag_names() { return {"no-cache", "onellm-fix-positions", "onellm-point-xyz"}; }

ModelPaths model_paths(const Arguments& args) {
    ModelPaths paths;
    if (args.has("family") && !args.has("model")) throw UsageError("--family goes with --model DIR.");
    if (args.has("model")) paths = find_model_folder(args.get("model"), args.get("family", "")).paths;
    if (!paths.onellm_dir.empty()) return paths;  // one folder holds all of OneLLM
    auto take = [&](const char* flag, std::string& field) {
        if (args.has(flag)) field = args.get(flag);
        if (field.empty()) throw UsageError(std::string("give --") + flag + " (or --model DIR with the model's files).");
    };
    take("llama", paths.llama_dir);
    take("tokenizer", paths.tokenizer);
    take("adapter", paths.adapter);
    if (args.has("imagebind")) paths.imagebind = args.get("imagebind");
    if (args.has("imagebind-config")) paths.imagebind_config = args.get("imagebind-config");
    if (args.has("cache")) paths.cache = args.get("cache");
    if (args.has("no-cache")) paths.cache.clear();
    return paths;
}

LoadOptions load_options(const Arguments& args) {
    LoadOptions load;
    load.precision = parse_precision(args.get("precision", "auto"));
    load.weight_format = parse_weight_format(args.get("weights", "bf16"));
    load.threads = static_cast<int>(args.get_int("threads", 0));
    load.context = static_cast<int>(args.get_int("context", 2048));
    load.onellm_fix_positions = args.has("onellm-fix-positions");
    load.onellm_point_xyz = args.has("onellm-point-xyz");
    return load;
}

SamplingSettings sampling_settings(const Arguments& args) {
    SamplingSettings s;
    s.temperature = args.get_double("temperature", 0.1);
    s.top_p = args.get_double("top-p", 0.75);
    s.max_tokens = static_cast<int>(args.get_int("max-tokens", 256));
    if (args.has("seed")) s.seed = static_cast<uint64_t>(args.get_int("seed", 0));
    return s;
}

CacheSettings cache_settings(const Arguments& args, const ModelPaths& paths) {
    CacheSettings c;
    c.enabled = !paths.cache.empty();
    c.k = static_cast<int>(args.get_int("cache-size", 10));
    c.t = args.get_double("cache-t", 20.0);
    c.w = args.get_double("cache-weight", 0.5);
    return c;
}

// "a,b,c,d" -> four integers (--crop), or a UsageError.
std::array<int, 4> parse_crop(const std::string& v) {
    std::array<int, 4> out{};
    size_t pos = 0;
    for (int i = 0; i < 4; ++i) {
        const size_t end = i < 3 ? v.find(',', pos) : v.size();
        if (end == std::string::npos) throw UsageError("--crop " + v + ": give top,left,height,width in pixels of the photo.");
        try {
            size_t used = 0;
            out[i] = std::stoi(v.substr(pos, end - pos), &used);
            if (used != end - pos) throw std::invalid_argument("trailing");
        } catch (const std::exception&) {
            throw UsageError("--crop " + v + ": give top,left,height,width in pixels of the photo.");
        }
        pos = end + 1;
    }
    return out;
}

std::pair<double, double> parse_window(const std::string& v) {
    const size_t comma = v.find(',');
    char* end1 = nullptr;
    char* end2 = nullptr;
    const std::string a = v.substr(0, comma), b = comma == std::string::npos ? "" : v.substr(comma + 1);
    const double start = std::strtod(a.c_str(), &end1), stop = std::strtod(b.c_str(), &end2);
    if (comma == std::string::npos || a.empty() || b.empty() || *end1 || *end2)
        throw UsageError("--imu-window " + v + ": give START,END in seconds, e.g. 2,4.");
    return {start, stop};
}

}  // namespace ibllm::cli
