#include "engine/llama/llama_weights.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <filesystem>

#include "engine/checkpoint/tensor_store.h"
#include "engine/error.h"

namespace fs = std::filesystem;

namespace ibllm {

at::Tensor Linear::operator()(const at::Tensor& x) const {
    at::Tensor y = at::linear(x.scalar_type() == weight.scalar_type() ? x : x.to(weight.scalar_type()), weight);
    if (y.scalar_type() != at::kFloat) y = y.to(at::kFloat);
    if (bias.defined()) y.add_(bias);
    return y;
}

std::vector<std::string> find_base_checkpoints(const std::string& llama_dir) {
    std::vector<std::string> out;
    std::error_code ec;
    if (!fs::is_directory(llama_dir, ec))
        throw Error(llama_dir + " is not a folder; point --llama at the folder that holds LLaMA's params.json and consolidated.00.pth.");
    for (const auto& e : fs::directory_iterator(llama_dir, ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind("consolidated.", 0) == 0 && e.path().extension() == ".pth") out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

namespace {

class WeightLoader {
public:
    WeightLoader(const TensorStore& base, const TensorStore& adapter, at::ScalarType dtype)
        : base_(base), adapter_(adapter), dtype_(dtype) {}

    // A base matrix with the adapter's LoRA merged in (W + l2 l1, computed in float32) and
    // its bias attached. `module` is the adapter-side prefix, e.g. "llama.layers.0.attention.".
    Linear linear(const std::string& base_name, const std::string& module, const std::string& proj,
                  int64_t out, int64_t in, bool has_bias, bool has_lora) const {
        at::Tensor w = base_.get(base_name + ".weight", {out, in});
        Linear l;
        if (has_lora) {
            const std::string p = module + "lora_" + proj;
            at::Tensor l1 = adapter_.get(p + "_l1.weight");
            l1 = adapter_.get(p + "_l1.weight", {l1.dim() == 2 ? l1.size(0) : -1, in}).to(at::kFloat);
            at::Tensor l2 = adapter_.get(p + "_l2.weight", {out, l1.size(0)}).to(at::kFloat);
            l.weight = at::addmm(w.to(at::kFloat), l2, l1).to(dtype_);
            base_.release_pages(w);
        } else if (w.scalar_type() != dtype_) {
            l.weight = w.to(dtype_);
            base_.release_pages(w);
        } else {
            l.weight = w;  // zero-copy: the mapping is the weight
        }
        if (has_bias) l.bias = adapter_.get(module + proj + ".bias", {out}).to(at::kFloat);
        return l;
    }

    Linear lora_factor(const std::string& name, int64_t out, int64_t in) const {
        Linear l;
        l.weight = adapter_.get(name, {out, in}).to(dtype_);
        return l;
    }

    at::Tensor norm(const std::string& base_name, int64_t dim) const {
        // The adapter checkpoint is loaded after the base one in the reference, so its tuned
        // norms replace the base norms.
        const std::string a = "llama." + base_name;
        if (adapter_.contains(a)) return adapter_.get(a, {dim}).to(at::kFloat);
        return base_.get(base_name, {dim}).to(at::kFloat);
    }

private:
    const TensorStore& base_;
    const TensorStore& adapter_;
    at::ScalarType dtype_;
};

void check_adapter_matches(const TensorStore& adapter, const LlamaConfig& c, const std::string& params_path) {
    if (!adapter.contains("prefix_query.weight"))
        throw Error(adapter.source() + " has no 'prefix_query.weight'; it is not an ImageBind-LLM adapter checkpoint (7B.pth).");
    at::Tensor pq = adapter.get("prefix_query.weight");
    if (pq.dim() != 2 || pq.size(1) != c.dim) {
        throw Error(params_path + " describes " + c.size_name() + " (dim " + std::to_string(c.dim) + "), but the adapter " +
                    adapter.source() + " was trained for dim " + std::to_string(pq.dim() == 2 ? pq.size(1) : -1) +
                    "; ImageBind-LLM needs the LLaMA it was trained on (LLaMA-7B for the release).");
    }
    if (pq.size(0) > c.n_layers)
        throw Error(adapter.source() + " has " + std::to_string(pq.size(0)) + " prefix-query rows but " + params_path + " has only " +
                    std::to_string(c.n_layers) + " layers; use the matching LLaMA.");
}

}  // namespace

LlamaWeights load_llama_weights(const std::string& llama_dir, const TensorStore& adapter, Precision precision,
                                int64_t max_seq_len, int64_t vocab_size, const LoadProgress& progress) {
    const std::string params_path = (fs::path(llama_dir) / "params.json").string();
    LlamaConfig c = LlamaConfig::from_params_json(params_path);
    check_adapter_matches(adapter, c, params_path);

    std::vector<std::string> shards = find_base_checkpoints(llama_dir);
    if (shards.empty())
        throw Error(llama_dir + " has no consolidated.00.pth; point --llama at the folder that holds the LLaMA weights.");
    if (shards.size() > 1)
        throw Error(llama_dir + " holds " + std::to_string(shards.size()) +
                    " consolidated.*.pth shards (a model larger than 7B); ImageBind-LLM needs LLaMA-7B.");
    if (progress) progress("Reading " + fs::path(shards[0]).filename().string(), 0.0);
    TensorStore base = TensorStore::from_pth(shards[0]);

    at::Tensor emb = base.get("tok_embeddings.weight");
    if (emb.dim() != 2 || emb.size(1) != c.dim)
        throw Error(base.source() + ": 'tok_embeddings.weight' has shape " + shape_string(emb.sizes()) + " but " + params_path +
                    " says dim " + std::to_string(c.dim) + "; the weights and params.json do not belong together.");
    c.vocab_size = vocab_size > 0 ? vocab_size : emb.size(0);
    if (emb.size(0) != c.vocab_size)
        throw Error(base.source() + " has a vocabulary of " + std::to_string(emb.size(0)) + " tokens but the tokenizer has " +
                    std::to_string(c.vocab_size) + "; use the tokenizer.model that came with these LLaMA weights.");
    c.max_seq_len = max_seq_len;
    if (c.max_seq_len < 1 || c.max_seq_len > kMaxContext)
        throw Error("The context window must be between 1 and " + std::to_string(kMaxContext) + " tokens.");

    LlamaWeights w;
    const at::ScalarType file_dtype = base.get("layers.0.attention.wq.weight").scalar_type();
    if (precision == Precision::Auto)
        precision = (file_dtype == at::kHalf || file_dtype == at::kBFloat16) ? Precision::Bf16 : Precision::Fp32;
    w.compute_dtype = precision == Precision::Bf16 ? at::kBFloat16 : at::kFloat;
    w.has_lora = adapter.contains("llama.layers.0.attention.lora_wq_l1.weight");
    w.has_bias = adapter.contains("llama.layers.0.attention.wq.bias");

    w.prefix_query = adapter.get("prefix_query.weight").to(at::kFloat);
    w.query_layer = w.prefix_query.size(0);
    const WeightLoader L(base, adapter, w.compute_dtype);
    const int64_t D = c.dim, H = c.n_heads, F = c.ffn_hidden();
    if (base.get("layers.0.feed_forward.w1.weight").size(0) != F)
        throw Error(base.source() + ": the feed-forward size " + std::to_string(base.get("layers.0.feed_forward.w1.weight").size(0)) +
                    " does not match " + params_path + " (multiple_of " + std::to_string(c.multiple_of) + " gives " +
                    std::to_string(F) + "); the weights and params.json do not belong together.");

    w.tok_embeddings = emb;
    for (int64_t i = 0; i < c.n_layers; ++i) {
        if (progress) progress("Preparing layer " + std::to_string(i + 1) + " of " + std::to_string(c.n_layers),
                               double(i) / double(c.n_layers + 1));
        const std::string b = "layers." + std::to_string(i) + ".";
        const std::string a = "llama." + b;
        LayerWeights lw;
        lw.attention_norm = L.norm(b + "attention_norm.weight", D);
        lw.ffn_norm = L.norm(b + "ffn_norm.weight", D);
        const bool lora = w.has_lora, bias = w.has_bias;
        lw.wq = L.linear(b + "attention.wq", a + "attention.", "wq", D, D, bias, lora);
        lw.wk = L.linear(b + "attention.wk", a + "attention.", "wk", D, D, false, lora);
        lw.wv = L.linear(b + "attention.wv", a + "attention.", "wv", D, D, false, lora);
        lw.wo = L.linear(b + "attention.wo", a + "attention.", "wo", D, D, bias, lora);
        lw.w1 = L.linear(b + "feed_forward.w1", a + "feed_forward.", "w1", F, D, bias, lora);
        lw.w2 = L.linear(b + "feed_forward.w2", a + "feed_forward.", "w2", D, F, bias, lora);
        lw.w3 = L.linear(b + "feed_forward.w3", a + "feed_forward.", "w3", F, D, bias, lora);
        if (lora) {
            at::Tensor l1 = adapter.get(a + "attention.lora_wv_l1.weight");
            lw.wv_lora_l1 = L.lora_factor(a + "attention.lora_wv_l1.weight", l1.size(0), D);
            lw.wv_lora_l2 = L.lora_factor(a + "attention.lora_wv_l2.weight", D, l1.size(0));
        }
        if (i >= c.n_layers - w.query_layer)
            lw.gate_tanh = adapter.get(a + "attention.gate", {1, H, 1, 1}).to(at::kFloat).reshape({H}).tanh();
        w.layers.push_back(std::move(lw));
    }
    w.norm = L.norm("norm.weight", D);
    w.output.weight = base.get("output.weight", {c.vocab_size, D});
    if (w.output.weight.scalar_type() != w.compute_dtype) {
        at::Tensor source = w.output.weight;
        w.output.weight = source.to(w.compute_dtype);
        base.release_pages(source);
    }
    w.config = c;
    if (progress) progress("Weights ready", 1.0);
    return w;
}

}  // namespace ibllm
