#include "engine/onellm/onellm_config.h"

#include <ATen/ATen.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/checkpoint/tensor_store.h"
#include "engine/error.h"

namespace ibllm {

OnellmConfig OnellmConfig::onellm_7b() {
    OnellmConfig c;
    c.llama.dim = 4096;
    c.llama.n_layers = 32;
    c.llama.n_heads = 32;
    c.llama.multiple_of = 256;
    c.llama.norm_eps = 1e-5;
    c.llama.vocab_size = 32000;
    return c;  // the other members' defaults are the release's
}

std::string OnellmConfig::size_name() const {
    const OnellmConfig r = onellm_7b();
    if (llama.dim == r.llama.dim && llama.n_layers == r.llama.n_layers && clip_width == r.clip_width &&
        clip_layers == r.clip_layers && resample_layers == r.resample_layers)
        return "OneLLM-7B";
    return "a custom OneLLM (LLaMA dim " + std::to_string(llama.dim) + ", " + std::to_string(llama.n_layers) +
           " layers; CLIP width " + std::to_string(clip_width) + ")";
}

namespace {

int64_t count_indexed(const TensorStore& s, const std::string& prefix, const std::string& suffix) {
    int64_t n = 0;
    while (s.contains(prefix + std::to_string(n) + suffix)) ++n;
    return n;
}

nlohmann::json read_json(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw Error(path + " cannot be opened; it should be OneLLM's onellm_config.json.");
    try {
        nlohmann::json j;
        in >> j;
        if (!j.is_object()) throw std::runtime_error("not an object");
        return j;
    } catch (const std::exception&) {
        throw Error(path + " is not a JSON object; use the onellm_config.json that came with the model, or remove it.");
    }
}

int64_t json_int(const nlohmann::json& j, const char* group, const char* key, int64_t fallback) {
    if (!j.contains(group) || !j[group].is_object() || !j[group].contains(key)) return fallback;
    const auto& v = j[group][key];
    return v.is_number_integer() ? v.get<int64_t>() : fallback;
}

}  // namespace

OnellmConfig read_onellm_config(const TensorStore& ck, const std::string& llama_config_path, const std::string& onellm_config_path) {
    OnellmConfig c;
    c.llama = LlamaConfig::from_params_json(llama_config_path);
    const std::string& src = ck.source();
    auto shape_error = [&](const std::string& name, const std::string& want) {
        return Error(src + ": '" + name + "' has shape " + shape_string(ck.get(name).sizes()) + " where OneLLM needs " + want +
                     "; this is not a OneLLM checkpoint of a size the loader understands.");
    };

    const at::Tensor conv = ck.get("clip.visual.conv1.weight");
    if (conv.dim() != 4 || conv.size(1) != 3 || conv.size(2) != conv.size(3)) throw shape_error("clip.visual.conv1.weight", "[W, 3, p, p]");
    c.clip_width = conv.size(0);
    c.clip_patch = conv.size(2);
    const at::Tensor pos = ck.get("clip.visual.positional_embedding");
    const int64_t patches = pos.dim() == 2 ? pos.size(0) - 1 : -1;
    int64_t grid = 0;
    while ((grid + 1) * (grid + 1) <= patches) ++grid;
    if (grid * grid != patches || pos.size(1) != c.clip_width) throw shape_error("clip.visual.positional_embedding", "[grid^2 + 1, W]");
    c.clip_grid = grid;
    c.clip_layers = count_indexed(ck, "clip.visual.transformer.resblocks.", ".ln_1.weight");
    c.experts = count_indexed(ck, "resample_layers.", ".0.attention.wq.weight");
    c.resample_layers = count_indexed(ck, "resample_layers.0.", ".attention.wq.weight");
    if (c.clip_layers == 0 || c.experts == 0 || c.resample_layers == 0)
        throw Error(src + " has no CLIP blocks or resample layers; it is not a OneLLM checkpoint.");
    c.resample_ffn = ck.get("resample_layers.0.0.feed_forward.w1.weight").size(0);
    const at::Tensor tokens = ck.get("resample_tokens.image");
    if (tokens.dim() != 3 || tokens.size(2) != c.clip_width) throw shape_error("resample_tokens.image", "[1, words, W]");
    c.image_words = tokens.size(1);

    const at::Tensor audio = ck.get("conv1.audio.weight");
    if (audio.dim() != 4 || audio.size(1) != 1 || audio.size(2) != audio.size(3)) throw shape_error("conv1.audio.weight", "[W, 1, k, k]");
    c.audio_kernel = audio.size(2);
    const at::Tensor fmri = ck.get("conv1.fmri.weight");
    if (fmri.dim() != 2 || fmri.size(0) % c.clip_width != 0) throw shape_error("conv1.fmri.weight", "[tokens * W, voxels]");
    c.fmri_voxels = fmri.size(1);
    c.fmri_tokens = fmri.size(0) / c.clip_width;
    const at::Tensor imu = ck.get("conv1.imu.weight");
    if (imu.dim() != 3 || imu.size(1) != 6) throw shape_error("conv1.imu.weight", "[W, 6, k]");
    c.imu_kernel = imu.size(2);
    c.imu_samples = ck.get("positional_embedding.imu").size(0) - 1 + c.imu_kernel - 1;
    c.point_groups = ck.get("positional_embedding.point").size(0) - 1;

    // Head counts (and the constants of the inputs) from onellm_config.json; otherwise the
    // release's: 64 values per head in CLIP and in the resampler.
    c.clip_heads = c.clip_width / 64;
    c.resample_heads = c.clip_width / 64;
    if (!onellm_config_path.empty()) {
        const nlohmann::json j = read_json(onellm_config_path);
        c.clip_heads = json_int(j, "clip", "heads", c.clip_heads);
        c.resample_heads = json_int(j, "resampler", "n_heads", c.resample_heads);
        c.point_group_size = json_int(j, "point", "group_size", c.point_group_size);
        c.audio_mel_bins = json_int(j, "audio", "mel_bins", c.audio_mel_bins);
        c.audio_frames = json_int(j, "audio", "target_length", c.audio_frames);
        c.audio_stride = json_int(j, "audio", "stride", c.audio_stride);
    }
    if (c.clip_heads <= 0 || c.clip_width % c.clip_heads != 0 || c.resample_heads <= 0 || c.clip_width % c.resample_heads != 0)
        throw Error((onellm_config_path.empty() ? src : onellm_config_path) + ": the CLIP width " + std::to_string(c.clip_width) +
                    " does not split into the heads; give the head counts in onellm_config.json.");
    const int64_t audio_rows = ck.get("positional_embedding.audio").size(0) - 1;
    if (audio_rows != c.audio_tokens_h() * c.audio_tokens_w())
        throw Error(src + ": the audio positional table has " + std::to_string(audio_rows) + " rows but a " +
                    std::to_string(c.audio_mel_bins) + " x " + std::to_string(c.audio_frames) +
                    " spectrogram gives " + std::to_string(c.audio_tokens_h() * c.audio_tokens_w()) +
                    " patches; set audio.mel_bins and audio.target_length in onellm_config.json.");
    if (ck.get("positional_embedding.fmri").size(0) != c.fmri_tokens + 1)
        throw shape_error("positional_embedding.fmri", "[" + std::to_string(c.fmri_tokens + 1) + ", W]");
    if (ck.get("tok_embeddings.weight").size(1) != c.llama.dim)
        throw Error(src + " has a language model of dim " + std::to_string(ck.get("tok_embeddings.weight").size(1)) + " but " +
                    llama_config_path + " says " + std::to_string(c.llama.dim) + "; the files do not belong together.");
    return c;
}

}  // namespace ibllm
