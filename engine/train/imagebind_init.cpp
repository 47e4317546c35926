#include "engine/train/imagebind_init.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "engine/checkpoint/tensor_store.h"
#include "engine/imagebind/imagebind_config.h"
#include "engine/imagebind/imagebind_weight_layout.h"
#include "engine/imagebind/pointbert/point_bert_config.h"
#include "engine/imagebind/pointbert/point_encoder.h"

namespace ibllm {

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}
bool starts_with(const std::string& s, const std::string& head) { return s.rfind(head, 0) == 0; }
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

constexpr double kBlockMatrixInitStd = 0.2;

// timm's trunc_normal_(std): a normal cut at +-2 std.
at::Tensor trunc_normal(const std::vector<int64_t>& shape, double std, at::Generator& gen) {
    return at::clamp(at::normal(0.0, std, shape, gen), -2 * std, 2 * std);
}

double point_logit_scale_init(const ImageBindConfig& config) {
    const nlohmann::json& p = config.point;
    const auto post = p.find("postprocess");
    if (post == p.end() || !post->is_object()) return 1.0;
    const auto scale = post->find("logit_scale");
    if (scale == post->end() || !scale->is_object() || !scale->contains("init")) return 1.0;
    return scale->at("init").get<double>();
}

at::Tensor initial_value(const ImageBindConfig& config, const std::string& name, const std::vector<int64_t>& shape,
                         at::Generator& gen) {
    if (ends_with(name, ".mask"))  // the causal mask: -inf above the diagonal
        return at::full(shape, -INFINITY, at::kFloat).triu(1);
    if (ends_with(name, "log_logit_scale")) {
        const std::string m = imagebind_tensor_modality(name);
        const double init = m == "point" ? point_logit_scale_init(config) : config.modalities.at(m).postprocess.logit_scale_init;
        return at::full(shape, std::log(init > 0 ? init : 1.0), at::kFloat);
    }
    if (ends_with(name, "running_mean")) return at::zeros(shape, at::kFloat);
    if (ends_with(name, "running_var")) return at::full(shape, 1.0 - PointBertConfig::from_json(config.point, config.out_embed_dim).bn_eps, at::kFloat);
    if (ends_with(name, ".bias") || ends_with(name, "_bias")) return at::zeros(shape, at::kFloat);
    if (shape.size() == 1 && ends_with(name, ".weight")) return at::ones(shape, at::kFloat);  // LayerNorm, BatchNorm
    // The transformer blocks' matrices start larger than timm's 0.02. With a LayerNorm before
    // the blocks (the vision trunk) the class token enters them as a unit-scale vector that is
    // the same for every image, and 0.02 blocks add too little to it: a new solids-world model
    // gave different images embeddings with cosine 0.9997 (their pixels: 0.6-0.85), and the
    // contrastive loss sat at ln(batch) for 30 to over 100 steps, or for good at a higher lr.
    // At 0.2 the cosine starts at 0.64 and 60 steps on 72 images reach a loss of 2.3 and 26%
    // zero-shot accuracy (chance: 3%). The product's weights are a trained checkpoint; this is
    // only where training starts.
    if (contains(name, ".blocks.") && shape.size() == 2) return trunc_normal(shape, kBlockMatrixInitStd, gen);
    return trunc_normal(shape, 0.02, gen);  // stems, tokens, positions, heads, bias_k / bias_v
}

}  // namespace

std::string imagebind_tensor_modality(const std::string& name) {
    if (starts_with(name, "point_trunk.")) return "point";
    for (const char* prefix : {"modality_preprocessors.", "modality_trunks.", "modality_heads.", "modality_postprocessors."}) {
        if (!starts_with(name, prefix)) continue;
        const std::string rest = name.substr(std::string(prefix).size());
        return rest.substr(0, rest.find('.'));
    }
    return "";
}

bool imagebind_tensor_trainable(const ImageBindConfig& config, const std::string& name) {
    if (ends_with(name, ".mask") || ends_with(name, "running_mean") || ends_with(name, "running_var")) return false;
    if (contains(name, "num_batches_tracked")) return false;
    if (ends_with(name, "log_logit_scale")) {
        const std::string m = imagebind_tensor_modality(name);
        const auto it = config.modalities.find(m);
        return it != config.modalities.end() && it->second.postprocess.logit_scale_learnable;
    }
    return true;
}

TensorStore new_imagebind_weights(const ImageBindConfig& config, uint64_t seed) {
    at::Generator gen = at::detail::createCPUGenerator(seed);
    TensorStore store("a new ImageBind");
    for (const auto& [name, shape] : expected_shapes(config)) store.add(name, initial_value(config, name, shape, gen));
    if (config.point.is_object())
        for (const auto& [name, shape] : PointEncoder::weight_shapes(PointBertConfig::from_json(config.point, config.out_embed_dim)))
            store.add(name, initial_value(config, name, shape, gen));
    return store;
}

}  // namespace ibllm
