#include "engine/train/adapter_init.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <string>

#include "engine/checkpoint/tensor_store.h"
#include "engine/error.h"
#include "engine/llama/llama_config.h"

namespace ibllm {

namespace {

class Initialiser {
public:
    Initialiser(TensorStore& store, uint64_t seed) : store_(store), gen_(at::make_generator<at::CPUGeneratorImpl>(seed)) {}

    void linear(const std::string& name, int64_t out, int64_t in, bool bias) {
        const double bound = 1.0 / std::sqrt(static_cast<double>(in));
        add(name + ".weight", at::empty({out, in}, at::kFloat).uniform_(-bound, bound, gen_));
        if (bias) add(name + ".bias", at::empty({out}, at::kFloat).uniform_(-bound, bound, gen_));
    }
    void ones(const std::string& name, at::IntArrayRef shape) { add(name, at::ones(shape, at::kFloat)); }
    void zeros(const std::string& name, at::IntArrayRef shape) { add(name, at::zeros(shape, at::kFloat)); }
    void normal(const std::string& name, at::IntArrayRef shape) {
        add(name, at::empty(shape, at::kFloat).normal_(0.0, 1.0, gen_));
    }
    int added() const { return added_; }
    bool has(const std::string& name) const { return store_.contains(name); }

private:
    void add(const std::string& name, const at::Tensor& t) {
        if (store_.contains(name)) return;
        store_.add(name, t);
        ++added_;
    }
    TensorStore& store_;
    at::Generator gen_;
    int added_ = 0;
};

}  // namespace

int complete_adapter(TensorStore& adapter, TrainingPhase phase, const LlamaConfig& c, int64_t visual_dim, uint64_t seed) {
    Initialiser init(adapter, seed);
    const int64_t D = c.dim, F = c.ffn_hidden(), H = c.n_heads, R = c.lora_rank;
    if (phase == TrainingPhase::Pretrain) {
        if (!init.has("image_bind_proj.weight")) {
            if (visual_dim <= 0)
                throw Error("A new bind network needs the size of the ImageBind embeddings; pass --imagebind, or use .npy "
                            "embeddings in the data file.");
            // The reference bridge: Linear(1024 -> 4096) with bias, then three residual SwiGLU
            // blocks of hidden size 4 * 4096 without biases, each behind an RMSNorm.
            init.linear("image_bind_proj", D, visual_dim, true);
            for (int b = 1; b <= 3; ++b) {
                const std::string n = std::to_string(b);
                init.ones("image_bind_norm_" + n + ".weight", {D});
                init.linear("image_bind_f1_" + n, 4 * D, D, false);
                init.linear("image_bind_f2_" + n, D, 4 * D, false);
                init.linear("image_bind_f3_" + n, 4 * D, D, false);
            }
        }
        // query_layer = every layer (32 of 32 in the release), query_len 1.
        init.normal("prefix_query.weight", {c.n_layers, D});
        for (int64_t i = 0; i < c.n_layers; ++i)
            init.zeros("llama.layers." + std::to_string(i) + ".attention.gate", {1, H, 1, 1});
        return init.added();
    }
    for (int64_t i = 0; i < c.n_layers; ++i) {
        const std::string a = "llama.layers." + std::to_string(i) + ".attention.";
        const std::string f = "llama.layers." + std::to_string(i) + ".feed_forward.";
        init.zeros(a + "wq.bias", {D});
        init.zeros(a + "wo.bias", {D});
        for (const char* p : {"wq", "wk", "wv", "wo"}) {
            init.linear(a + "lora_" + p + "_l1", R, D, false);
            init.zeros(a + "lora_" + p + "_l2.weight", {D, R});
        }
        init.zeros(f + "w1.bias", {F});
        init.zeros(f + "w2.bias", {D});
        init.zeros(f + "w3.bias", {F});
        init.linear(f + "lora_w1_l1", R, D, false);
        init.zeros(f + "lora_w1_l2.weight", {F, R});
        init.linear(f + "lora_w2_l1", R, F, false);
        init.zeros(f + "lora_w2_l2.weight", {D, R});
        init.linear(f + "lora_w3_l1", R, D, false);
        init.zeros(f + "lora_w3_l2.weight", {F, R});
    }
    return init.added();
}

}  // namespace ibllm
