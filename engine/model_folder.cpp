// find_model_folder() (engine.h): a model's files found by name in one folder.
#include <filesystem>

#include "engine/engine.h"
#include "engine/onellm/onellm_model.h"

namespace fs = std::filesystem;

namespace ibllm {

namespace {

std::string if_file(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec) ? p.string() : std::string();
}

}  // namespace

ModelFolder find_model_folder(const std::string& dir, const std::string& family) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw Error(dir + " is not a folder; --model takes the folder that holds a model's files.");
    if (!family.empty() && family != "onellm" && family != "imagebind-llm")
        throw Error("Unknown model family '" + family + "'; use imagebind-llm or onellm.");
    const fs::path d(dir);
    ModelFolder f;
    // OneLLM's release checkpoint is consolidated.00-of-01.pth (ImageBind-LLM's LLaMA is
    // consolidated.00.pth): the name tells the families apart without reading the file.
    if (family == "onellm" || (family.empty() && is_onellm_folder(dir))) {
        find_onellm_files(dir);  // an Error names what is missing
        f.layout = "onellm";
        f.paths.onellm_dir = d.string();
        return f;
    }
    if (fs::is_regular_file(d / "params.json", ec) && fs::is_regular_file(d / "consolidated.00.pth", ec)) {
        f.layout = "model folder";
        f.paths.llama_dir = d.string();
        f.paths.tokenizer = if_file(d / "tokenizer.model");
        f.paths.adapter = if_file(d / "adapter.pth");
        f.paths.imagebind = if_file(d / "imagebind.pth");
        if (f.paths.imagebind.empty()) f.paths.imagebind = if_file(d / "imagebind_w3D.pth");
        f.paths.imagebind_config = if_file(d / "imagebind_config.json");
        f.paths.cache = if_file(d / "knn.index");
        if (f.paths.tokenizer.empty() || f.paths.adapter.empty())
            throw Error(dir + " holds a LLaMA but no " + std::string(f.paths.tokenizer.empty() ? "tokenizer.model" : "adapter.pth") +
                        "; a model folder needs both (or pass --tokenizer / --adapter).");
        return f;
    }
    for (const char* sub : {"7B", "7B_chinese"}) {
        if (!fs::is_regular_file(d / sub / "params.json", ec)) continue;
        f.layout = "release";
        f.paths.llama_dir = (d / sub).string();
        f.paths.tokenizer = if_file(d / "tokenizer.model");
        if (f.paths.tokenizer.empty()) f.paths.tokenizer = if_file(d / sub / "tokenizer.model");
        f.paths.adapter = if_file(d / "7B.pth");
        if (f.paths.adapter.empty()) f.paths.adapter = if_file(d / "adapter.pth");
        f.paths.imagebind = if_file(d / "imagebind_w3D.pth");
        f.paths.cache = if_file(d / "knn.index");
        if (f.paths.tokenizer.empty() || f.paths.adapter.empty())
            throw Error(dir + " has the release's " + sub + "/ folder but no " +
                        std::string(f.paths.tokenizer.empty() ? "tokenizer.model" : "7B.pth") + " next to it; put it there (or pass it).");
        return f;
    }
    throw Error(dir + " is not a model folder: it has neither params.json with consolidated.00.pth nor the release's 7B/ folder; "
                "choose the folder that holds the model's files.");
}

}  // namespace ibllm
