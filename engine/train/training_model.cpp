#include "engine/train/training_model.h"

#include <ATen/ATen.h>

#include <filesystem>
#include <map>

#include "engine/bind/bind_network.h"
#include "engine/checkpoint/tensor_store.h"
#include "engine/error.h"
#include "engine/llama/llama_config.h"
#include "engine/llama/llama_weights.h"
#include "engine/llama/kernels/compute_paths.h"
#include "engine/llama/transformer.h"
#include "engine/train/adapter_init.h"

namespace fs = std::filesystem;

namespace ibllm {

namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

TensorStore read_adapter(const std::string& path) {
    if (path.empty()) return TensorStore("a new adapter");
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
        throw Error("The adapter " + path + " does not exist; pass the adapter.pth to start from, or leave out --adapter to "
                    "pre-train a new one.");
    TensorStore store = TensorStore::from_pth(path, "model");
    for (const std::string& name : store.names()) {
        if (starts_with(name, "llama.") || starts_with(name, "prefix_query.") || starts_with(name, "image_bind_")) continue;
        throw Error(path + " holds '" + name + "', which is not part of ImageBind-LLM; choose an ImageBind-LLM adapter checkpoint.");
    }
    return store;
}

void check_phase(const TensorStore& adapter, TrainingPhase phase, const std::string& path) {
    bool lora = false, bias = false;
    for (const std::string& name : adapter.names()) {
        lora = lora || name.find("lora") != std::string::npos;
        bias = bias || (starts_with(name, "llama.") && name.find(".bias") != std::string::npos);
    }
    if (phase == TrainingPhase::Pretrain && (lora || bias))
        throw Error(path + " is a fine-tuned adapter (it has LoRA and bias weights), but pre-training has neither; use "
                    "`ibllm-cli train finetune` to tune it further, or pre-train from a pre-training adapter or from nothing.");
    if (phase == TrainingPhase::Finetune) {
        for (const char* key : {"image_bind_proj.weight", "prefix_query.weight"}) {
            if (adapter.contains(key)) continue;
            throw Error((path.empty() ? std::string("Fine-tuning") : path + " has no " + key + ", and fine-tuning") +
                        " needs a pre-trained bind network and prefix queries; run `ibllm-cli train pretrain` first and pass "
                        "its adapter.pth with --adapter.");
        }
    }
}

}  // namespace

TrainingModel::TrainingModel(const TrainingModelOptions& o) : phase_(o.phase) {
    if (o.phase == TrainingPhase::Base) {
        build_base(o);
        return;
    }
    TensorStore adapter = read_adapter(o.adapter);
    check_phase(adapter, o.phase, o.adapter);
    const std::string params_path = (fs::path(o.llama_dir) / "params.json").string();
    const LlamaConfig c = LlamaConfig::from_params_json(params_path);
    if (adapter.contains("prefix_query.weight")) {
        const at::Tensor pq = adapter.get("prefix_query.weight");
        if (pq.dim() != 2 || pq.size(1) != c.dim)
            throw Error(o.adapter + " was trained for a LLaMA of dim " + std::to_string(pq.dim() == 2 ? pq.size(1) : -1) + " but " +
                        params_path + " says dim " + std::to_string(c.dim) + "; use the LLaMA the adapter belongs to.");
    }
    // Which names the files give; the rest is new and initialised as the reference does.
    std::map<std::string, bool> from_file;
    for (const std::string& n : adapter.names()) from_file[n] = true;
    new_tensors_ = complete_adapter(adapter, o.phase, c, o.visual_dim, o.seed);

    LlamaWeights w = load_llama_weights(o.llama_dir, adapter, o.precision, o.max_seq_len, o.vocab_size, {}, WeightFormat::Bf16,
                                        false, /*training=*/true);
    // Trained in float32 (the reference's set_default_trainability casts the trainable set
    // to float); a frozen bind network computes in bf16 only where the CPU multiplies bf16.
    const bool bf16_bind = o.phase == TrainingPhase::Finetune && w.compute_dtype == at::kBFloat16 && quant::compute_paths().native_bf16;
    bind_ = std::make_unique<BindNetwork>(adapter, bf16_bind ? at::kBFloat16 : at::kFloat);
    if (bind_->dim() != w.config.dim)
        throw Error(o.adapter + " has a bind network for dim " + std::to_string(bind_->dim()) + " but the LLaMA has dim " +
                    std::to_string(w.config.dim) + "; use the matching adapter.");

    // The reference's named_parameters() order: the bind network, then per layer the
    // attention (wq.bias, wo.bias, LoRA, gate), the feed-forward (biases, LoRA) and the two
    // norms, then the final norm and the prefix queries.
    std::vector<std::pair<std::string, at::Tensor*>> slots = bind_->named_tensors();
    for (size_t i = 0; i < w.layers.size(); ++i) {
        LayerWeights& l = w.layers[i];
        const std::string a = "llama.layers." + std::to_string(i) + ".attention.";
        const std::string f = "llama.layers." + std::to_string(i) + ".feed_forward.";
        if (w.has_bias) slots.insert(slots.end(), {{a + "wq.bias", &l.wq.bias}, {a + "wo.bias", &l.wo.bias}});
        if (w.has_lora)
            for (auto [p, lin] : {std::pair<const char*, Linear*>{"wq", &l.wq}, {"wk", &l.wk}, {"wv", &l.wv}, {"wo", &l.wo}})
                slots.insert(slots.end(), {{a + "lora_" + p + "_l1.weight", &lin->lora_l1}, {a + "lora_" + p + "_l2.weight", &lin->lora_l2}});
        if (l.gate.defined()) slots.emplace_back(a + "gate", &l.gate);
        if (w.has_bias)
            slots.insert(slots.end(), {{f + "w1.bias", &l.w1.bias}, {f + "w2.bias", &l.w2.bias}, {f + "w3.bias", &l.w3.bias}});
        if (w.has_lora)
            for (auto [p, lin] : {std::pair<const char*, Linear*>{"w1", &l.w1}, {"w2", &l.w2}, {"w3", &l.w3}})
                slots.insert(slots.end(), {{f + "lora_" + p + "_l1.weight", &lin->lora_l1}, {f + "lora_" + p + "_l2.weight", &lin->lora_l2}});
        slots.insert(slots.end(), {{"llama.layers." + std::to_string(i) + ".attention_norm.weight", &l.attention_norm},
                                   {"llama.layers." + std::to_string(i) + ".ffn_norm.weight", &l.ffn_norm}});
    }
    slots.emplace_back("llama.norm.weight", &w.norm);
    slots.emplace_back("prefix_query.weight", &w.prefix_query);

    for (auto& [name, slot] : slots) {
        NamedParameter p;
        p.name = name;
        p.trainable = is_trainable(o.phase, name);
        p.saved = p.trainable || adapter.contains(name);
        if (p.trainable) {
            // An owned float32 copy: the loaded tensor may be a read-only view of the file.
            *slot = slot->detach().to(at::kFloat).clone().set_requires_grad(true);
        }
        p.tensor = *slot;
        params_.push_back(std::move(p));
    }
    (void)from_file;
    transformer_ = std::make_unique<Transformer>(std::move(w));
}

// The base phase: the LLaMA alone, every weight trained, in Meta's names.
void TrainingModel::build_base(const TrainingModelOptions& o) {
    if (!o.adapter.empty())
        throw Error("The base phase trains a LLaMA alone; leave out --adapter (" + o.adapter + ").");
    const TensorStore none;
    LlamaWeights w = load_llama_weights(o.llama_dir, none, o.precision, o.max_seq_len, o.vocab_size, {}, WeightFormat::Bf16, false,
                                        /*training=*/true);
    std::vector<std::pair<std::string, at::Tensor*>> slots = {{"tok_embeddings.weight", &w.tok_embeddings}};
    for (size_t i = 0; i < w.layers.size(); ++i) {
        LayerWeights& l = w.layers[i];
        const std::string n = "layers." + std::to_string(i) + ".";
        for (auto [p, lin] : {std::pair<const char*, Linear*>{"attention.wq", &l.wq}, {"attention.wk", &l.wk}, {"attention.wv", &l.wv},
                              {"attention.wo", &l.wo}, {"feed_forward.w1", &l.w1}, {"feed_forward.w2", &l.w2}, {"feed_forward.w3", &l.w3}})
            slots.emplace_back(n + p + ".weight", &lin->weight);
        slots.insert(slots.end(), {{n + "attention_norm.weight", &l.attention_norm}, {n + "ffn_norm.weight", &l.ffn_norm}});
    }
    slots.emplace_back("norm.weight", &w.norm);
    slots.emplace_back("output.weight", &w.output.weight);
    for (auto& [name, slot] : slots) {
        // Trained in float32, whatever the file holds.
        *slot = slot->detach().to(at::kFloat).clone().set_requires_grad(true);
        params_.push_back({name, *slot, true, true});
    }
    transformer_ = std::make_unique<Transformer>(std::move(w));
}

Value TrainingModel::base_checkpoint(at::ScalarType dtype) const {
    Value sd = Value::make_dict(/*ordered=*/true);
    for (const NamedParameter& p : params_) sd.set(p.name, Value::from_tensor(p.tensor.detach().to(dtype).contiguous()));
    return sd;
}

TrainingModel::~TrainingModel() = default;

const LlamaConfig& TrainingModel::config() const { return transformer_->config(); }
int64_t TrainingModel::visual_dim() const { return bind_ ? bind_->visual_dim() : 0; }
at::ScalarType TrainingModel::compute_dtype() const { return transformer_->compute_dtype(); }

std::vector<NamedParameter> TrainingModel::trainable() const {
    std::vector<NamedParameter> out;
    for (const NamedParameter& p : params_)
        if (p.trainable) out.push_back(p);
    return out;
}

std::vector<at::Tensor> TrainingModel::trainable_tensors() const {
    std::vector<at::Tensor> out;
    for (const NamedParameter& p : params_)
        if (p.trainable) out.push_back(p.tensor);
    return out;
}

at::Tensor TrainingModel::visual_query(const at::Tensor& embeddings) const {
    if (!embeddings.defined() || !bind_) return at::Tensor();  // text only: nothing injected
    TORCH_CHECK(embeddings.dim() == 2 && embeddings.size(1) == bind_->visual_dim(), "visual_query: embeddings must be [B, ",
                bind_->visual_dim(), "]");
    at::Tensor x = embeddings.to(at::kFloat);
    x = x / x.norm(2, -1, /*keepdim=*/true).clamp_min(1e-12);
    // One modality of weight 1: w / (sum(w) + 1e-6), in Python floats, as the reference.
    x = x * (1.0 / (1.0 + 1e-6));
    return bind_->forward(x);
}

at::Tensor TrainingModel::logits(const at::Tensor& tokens, const at::Tensor& embeddings, bool checkpointing) const {
    return transformer_->forward_train(tokens, visual_query(embeddings), checkpointing);
}

at::Tensor TrainingModel::loss(const at::Tensor& tokens, const at::Tensor& labels, const at::Tensor& embeddings,
                               bool checkpointing) const {
    const at::Tensor hidden = transformer_->forward_train_hidden(tokens, visual_query(embeddings), checkpointing);
    const int64_t T = hidden.size(1);
    const at::Tensor targets = labels.narrow(1, 1, T - 1).reshape({-1});
    const at::Tensor counted = targets.nonzero().reshape({-1});
    if (counted.numel() == 0) return output_mean_times_zero(hidden);
    // The output layer only where a label counts: the prompt's and the padding's logits never
    // reach the loss (label 0 is ignored), and the vocabulary-wide product is the largest of a
    // token. The mean over the counted tokens is the reference's loss.
    const at::Tensor rows = hidden.narrow(1, 0, T - 1).reshape({-1, hidden.size(2)}).index_select(0, counted);
    return at::cross_entropy_loss(transformer_->output_logits(rows), targets.index_select(0, counted), {}, at::Reduction::Mean,
                                  /*ignore_index=*/0);
}

// The reference's `output.mean() * 0` when no label counts: zero, but a graph node, so that
// backward() still runs (and gives zero gradients).
at::Tensor TrainingModel::output_mean_times_zero(const at::Tensor& hidden) const {
    return transformer_->output_logits(hidden.narrow(1, 0, hidden.size(1) - 1)).mean() * 0;
}

Value TrainingModel::adapter_checkpoint(const Value& config) const {
    Value model = Value::make_dict();
    for (const NamedParameter& p : params_)
        if (p.saved) model.set(p.name, Value::from_tensor(p.tensor.detach().to(at::kFloat).contiguous()));
    Value root = Value::make_dict();
    root.set("model", model);
    root.set("config", config);
    return root;
}

}  // namespace ibllm
