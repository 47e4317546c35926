#include "engine/llama/llama_weights.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>

#include "engine/checkpoint/tensor_store.h"
#include "engine/error.h"
#include "engine/llama/kernels/bf16_linear.h"
#include "engine/llama/kernels/compute_paths.h"
#include "engine/llama/kernels/quantized_cache.h"
#include "engine/llama/kernels/quantized_linear.h"
#include "engine/llama/kernels/weight_memory.h"

namespace fs = std::filesystem;

namespace ibllm {

namespace {

int64_t output_features(const Linear& l) { return l.quantized ? l.quantized->rows : l.weight.size(0); }

// A bf16 weight the decode kernel can stream (contiguous rows).
bool bf16_kernel_weight(const Linear& l) {
    return !l.quantized && l.weight.scalar_type() == at::kBFloat16 && l.weight.dim() == 2 && l.weight.stride(1) == 1;
}

// Whether `rows` rows of input go through the engine's matrix kernels, which write into any
// float32 buffer: quantised weights always (quantized_matmul picks its own path by rows),
// bf16 for the few rows of decoding, where it is bandwidth-bound.
bool kernel_path(const Linear& l, int64_t rows) {
    return l.quantized || (bf16_kernel_weight(l) && rows <= quant::kBf16KernelMaxRows);
}

// at::linear in the weight's dtype (oneDNN / BLAS), float32 out, without the bias.
// x W^T in float32 from a bf16 W, for CPUs without bf16 matrix instructions, where oneDNN's
// bf16 product takes a generic path about 100x slower than float32 (prefill, training). W is
// upcast a block of rows at a time into one reused buffer: a whole-matrix copy would be a fresh
// allocation of up to 0.5 GB per product, whose page faults cost more than the conversion.
constexpr int64_t kUpcastBlockBytes = 16 << 20;

at::Tensor& upcast_buffer(int64_t floats) {
    thread_local at::Tensor buffer;
    if (!buffer.defined() || buffer.numel() < floats) buffer = at::empty({floats}, at::kFloat);
    return buffer;
}

// x [M, K] float32, w [N, K] bf16 -> x w^T [M, N]
at::Tensor upcast_product(const at::Tensor& x, const at::Tensor& w) {
    const int64_t N = w.size(0), K = w.size(1);
    const int64_t rows = std::max<int64_t>(64, kUpcastBlockBytes / (4 * K));
    const at::Tensor x2 = x.reshape({-1, K});
    at::Tensor y = at::empty({x2.size(0), N}, at::kFloat);
    at::Tensor& buf = upcast_buffer(std::min(rows, N) * K);
    for (int64_t n0 = 0; n0 < N; n0 += rows) {
        const int64_t n = std::min(rows, N - n0);
        at::Tensor wf = buf.narrow(0, 0, n * K).view({n, K});
        wf.copy_(w.narrow(0, n0, n));
        at::Tensor out = y.narrow(1, n0, n);
        at::mm_out(out, x2, wf.t());
    }
    std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
    shape.back() = N;
    return y.view(shape);
}

// g [M, N] float32, w [N, K] bf16 -> g w [M, K], summed over blocks of w's rows.
at::Tensor upcast_product_transposed(const at::Tensor& g, const at::Tensor& w) {
    const int64_t N = w.size(0), K = w.size(1);
    const int64_t rows = std::max<int64_t>(64, kUpcastBlockBytes / (4 * K));
    const at::Tensor g2 = g.reshape({-1, N});
    at::Tensor out = at::zeros({g2.size(0), K}, at::kFloat);
    at::Tensor& buf = upcast_buffer(std::min(rows, N) * K);
    for (int64_t n0 = 0; n0 < N; n0 += rows) {
        const int64_t n = std::min(rows, N - n0);
        at::Tensor wf = buf.narrow(0, 0, n * K).view({n, K});
        wf.copy_(w.narrow(0, n0, n));
        out.addmm_(g2.narrow(1, n0, n), wf);
    }
    std::vector<int64_t> shape(g.sizes().begin(), g.sizes().end());
    shape.back() = K;
    return out.view(shape);
}

at::Tensor dense_linear(const Linear& l, const at::Tensor& x) {
    if (l.weight.scalar_type() == at::kBFloat16 && !quant::compute_paths().native_bf16) {
        // float32 FMA tiles widening the weights on load; a weight with strided rows (not
        // one the loaders make) goes through upcast blocks and BLAS.
        if (l.weight.dim() == 2 && l.weight.stride(1) == 1) return quant::bf16_prefill_linear(x, l.weight);
        return upcast_product(x.to(at::kFloat).contiguous(), l.weight);
    }
    at::Tensor y = at::linear(x.scalar_type() == l.weight.scalar_type() ? x : x.to(l.weight.scalar_type()), l.weight);
    return y.scalar_type() == at::kFloat ? y : y.to(at::kFloat);
}

constexpr int kMaxGroup = 8;  // q, k, v is the largest group in use

// `count` projections of the same x into `outs` (float32, contiguous, [..., N_i] each). When
// all of them run in one kernel family and x has the few rows of decoding, they share one
// parallel region and (quantised) one preparation of the activations; nothing is allocated
// on the kernels' paths.
void project(const at::Tensor& x, const Linear* const* layers, const at::Tensor* outs, int count) {
    TORCH_CHECK(count >= 1 && count <= kMaxGroup, "project: 1 to ", kMaxGroup, " projections at a time");
    const int64_t K = x.size(-1), M = x.numel() / std::max<int64_t>(K, 1);
    for (int i = 0; i < count; ++i) {
        const Linear& l = *layers[i];
        TORCH_CHECK((l.quantized ? l.quantized->cols : l.weight.size(-1)) == K, "project: input has ", K,
                    " features, the matrix expects ", l.quantized ? l.quantized->cols : l.weight.size(-1));
        TORCH_CHECK(outs[i].scalar_type() == at::kFloat && outs[i].is_contiguous() && outs[i].numel() == M * output_features(l),
                    "project: an output has the wrong size");
        // The kernels read the bias as N_i contiguous floats.
        TORCH_CHECK(!l.bias.defined() || (l.bias.scalar_type() == at::kFloat && l.bias.is_contiguous() &&
                                          l.bias.numel() == output_features(l)),
                    "project: a bias must be ", output_features(l), " contiguous float32 values");
    }
    const at::Tensor xf = (x.scalar_type() == at::kFloat ? x : x.to(at::kFloat)).contiguous();
    const float* xp = xf.data_ptr<float>();
    bool all_quantized = true, all_bf16 = true;
    for (int i = 0; i < count; ++i) {
        all_quantized = all_quantized && layers[i]->quantized;
        all_bf16 = all_bf16 && bf16_kernel_weight(*layers[i]);
    }
    float* ys[kMaxGroup];
    for (int i = 0; i < count; ++i) ys[i] = outs[i].data_ptr<float>();
    // The kernels add the biases as they write each chunk of rows.
    const float* biases[kMaxGroup];
    for (int i = 0; i < count; ++i) biases[i] = layers[i]->bias.defined() ? layers[i]->bias.data_ptr<float>() : nullptr;
    if (all_quantized && quant::takes_integer_path(M)) {
        const quant::QuantizedMatrix* ws[kMaxGroup];
        for (int i = 0; i < count; ++i) ws[i] = layers[i]->quantized.get();
        quant::quantized_matmul_group(ws, count, xp, M, K, ys, biases);
        return;
    }
    if (all_bf16 && M <= quant::kBf16KernelMaxRows) {
        const at::Tensor* ws[kMaxGroup];
        for (int i = 0; i < count; ++i) ws[i] = &layers[i]->weight;
        quant::bf16_matmul_group(ws, count, xp, M, ys, biases);
        return;
    }
    for (int i = 0; i < count; ++i) {
        const Linear& l = *layers[i];
        if (l.quantized)
            quant::quantized_matmul(*l.quantized, xp, M, K, ys[i], l.quantized->rows);
        else if (kernel_path(l, M)) {
            const at::Tensor* w = &l.weight;
            quant::bf16_matmul_group(&w, 1, xp, M, &ys[i]);
        } else if (l.weight.scalar_type() == at::kFloat) {
            at::Tensor out2d = outs[i].view({M, l.weight.size(0)});
            at::mm_out(out2d, xf.view({M, K}), l.weight.t());
        } else {
            outs[i].copy_(dense_linear(l, xf).view(outs[i].sizes()));
        }
    }
    for (int i = 0; i < count; ++i)
        if (layers[i]->bias.defined()) outs[i].add_(layers[i]->bias);
}

}  // namespace

at::Tensor Linear::operator()(const at::Tensor& x) const {
    const int64_t K = x.size(-1), M = x.numel() / std::max<int64_t>(K, 1);
    if (!kernel_path(*this, M)) {
        at::Tensor y = dense_linear(*this, x);
        if (bias.defined()) y.add_(bias);
        return y;
    }
    std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
    shape.back() = output_features(*this);
    at::Tensor y = at::empty(shape, at::kFloat);
    const Linear* self = this;
    project(x, &self, &y, 1);
    return y;
}

namespace {

// The training form: the backward pass keeps the compact weight (not an upcast copy, which
// would double the model's memory) and upcasts it again.
struct FrozenBf16Linear : torch::autograd::Function<FrozenBf16Linear> {
    static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const at::Tensor& w) {
        ctx->save_for_backward({w});
        return {w.dim() == 2 && w.stride(1) == 1 ? quant::bf16_prefill_linear(x, w) : upcast_product(x, w)};
    }
    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grad) {
        const at::Tensor w = ctx->get_saved_variables()[0];
        return {upcast_product_transposed(grad[0].contiguous(), w), at::Tensor()};
    }
};

}  // namespace

at::Tensor frozen_product(const at::Tensor& x, const at::Tensor& weight) {
    if (weight.scalar_type() == at::kBFloat16 && !quant::compute_paths().native_bf16)
        return FrozenBf16Linear::apply(x.to(at::kFloat), weight)[0];
    const at::Tensor y = at::linear(x.scalar_type() == weight.scalar_type() ? x : x.to(weight.scalar_type()), weight);
    return y.scalar_type() == at::kFloat ? y : y.to(at::kFloat);
}

at::Tensor Linear::train(const at::Tensor& x) const {
    TORCH_CHECK(weight.defined(), "Linear::train needs an unquantised weight");
    at::Tensor y = frozen_product(x, weight);
    if (bias.defined()) y = y + bias;
    if (lora_l1.defined()) {
        // The LoRA branch runs in the product's dtype (bf16 where the CPU multiplies bf16),
        // from float32 master factors; autograd casts the gradients back to float32.
        const bool bf16 = weight.scalar_type() == at::kBFloat16 && quant::compute_paths().native_bf16;
        at::Tensor z = bf16 ? at::linear(at::linear(x.to(at::kBFloat16), lora_l1.to(at::kBFloat16)), lora_l2.to(at::kBFloat16))
                            : at::linear(at::linear(x.to(at::kFloat), lora_l1), lora_l2);
        y = y + (z.scalar_type() == at::kFloat ? z : z.to(at::kFloat));
    }
    return y;
}

void apply_projections_into(const at::Tensor& x, std::initializer_list<const Linear*> layers, std::initializer_list<at::Tensor> outs) {
    TORCH_CHECK(outs.size() == layers.size(), "apply_projections_into: one output per projection");
    project(x, layers.begin(), outs.begin(), static_cast<int>(layers.size()));
}

std::vector<at::Tensor> apply_projections(const at::Tensor& x, std::initializer_list<const Linear*> layers) {
    const int64_t K = x.size(-1), M = x.numel() / std::max<int64_t>(K, 1);
    std::vector<at::Tensor> out;
    out.reserve(layers.size());
    bool kernels = true;
    for (const Linear* l : layers) kernels = kernels && kernel_path(*l, M);
    // Grouping is for the rows of decoding: anything else goes one by one, at::linear
    // writing its own result.
    if (!kernels || (M >= quant::kDenseMinRows && !quant::takes_integer_path(M))) {
        for (const Linear* l : layers) out.push_back((*l)(x));
        return out;
    }
    for (const Linear* l : layers) {
        std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
        shape.back() = output_features(*l);
        out.push_back(at::empty(shape, at::kFloat));
    }
    project(x, layers.begin(), out.data(), static_cast<int>(layers.size()));
    return out;
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
    WeightLoader(const TensorStore& base, const TensorStore& adapter, at::ScalarType dtype, WeightFormat format,
                 const std::map<std::string, quant::QuantizedMatrix>* cached, bool training)
        : base_(base), adapter_(adapter), dtype_(dtype), format_(format), cached_(cached), training_(training) {}

    // Every quantised matrix made or taken from the cache, by base name (for writing the cache).
    const std::vector<std::pair<std::string, std::shared_ptr<const quant::QuantizedMatrix>>>& quantized() const {
        return quantized_;
    }
    bool all_from_cache() const { return from_cache_ == quantized_.size(); }

    // A base matrix with the adapter's LoRA merged in (W + l2 l1, computed in float32) and
    // its bias attached. `module` is the adapter-side prefix, e.g. "llama.layers.0.attention.".
    Linear linear(const std::string& base_name, const std::string& module, const std::string& proj,
                  int64_t out, int64_t in, bool has_bias, bool has_lora) {
        Linear l;
        if (training_) {
            // Training keeps LoRA apart: it is what is being trained.
            l = plain(base_name, out, in);
            if (has_lora) {
                l.lora_l1 = lora_l1(module, proj, in);
                l.lora_l2 = lora_l2(module, proj, out, in);
            }
        } else if (format_ != WeightFormat::Bf16 && (l.quantized = from_cache(base_name, out, in))) {
            // mapped from the cache file; the base weights are not touched
        } else if (format_ != WeightFormat::Bf16) {
            // Quantised from float32, after the merge, so LoRA is rounded once, with the base.
            at::Tensor w = base_.get(base_name + ".weight", {out, in});
            at::Tensor merged = w.to(at::kFloat);
            if (has_lora) merged = at::addmm(merged, lora_l2(module, proj, out, in), lora_l1(module, proj, in));
            l.quantized = remember(base_name, quant::quantize_matrix(merged, format_, dtype_));
            base_.release_pages(w);
        } else if (at::Tensor w = base_.get(base_name + ".weight", {out, in}); has_lora) {
            l.weight = quant::copy_to_weight_memory(
                at::addmm(w.to(at::kFloat), lora_l2(module, proj, out, in), lora_l1(module, proj, in)), dtype_);
            base_.release_pages(w);
        } else if (w.scalar_type() != dtype_) {
            l.weight = quant::copy_to_weight_memory(w, dtype_);
            base_.release_pages(w);
        } else {
            l.weight = w;  // zero-copy: the mapping is the weight
        }
        if (has_bias) l.bias = adapter_.get(module + proj + ".bias", {out}).to(at::kFloat).contiguous();
        return l;
    }

    // The output projection: no LoRA, no bias.
    Linear plain(const std::string& base_name, int64_t out, int64_t in) {
        Linear l;
        if (format_ != WeightFormat::Bf16 && (l.quantized = from_cache(base_name, out, in))) return l;
        at::Tensor w = base_.get(base_name + ".weight", {out, in});
        if (format_ != WeightFormat::Bf16) {
            l.quantized = remember(base_name, quant::quantize_matrix(w, format_, dtype_));
            base_.release_pages(w);
        } else if (w.scalar_type() != dtype_) {
            l.weight = quant::copy_to_weight_memory(w, dtype_);
            base_.release_pages(w);
        } else {
            l.weight = w;
        }
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
    std::shared_ptr<const quant::QuantizedMatrix> from_cache(const std::string& name, int64_t out, int64_t in) {
        if (!cached_) return nullptr;
        const auto it = cached_->find(name);
        if (it == cached_->end() || it->second.rows != out || it->second.cols != in) return nullptr;
        quant::QuantizedMatrix q = it->second;
        q.dense_dtype = dtype_;
        ++from_cache_;
        return remember(name, std::move(q));
    }
    std::shared_ptr<const quant::QuantizedMatrix> remember(const std::string& name, quant::QuantizedMatrix q) {
        auto p = std::make_shared<const quant::QuantizedMatrix>(std::move(q));
        quantized_.emplace_back(name, p);
        return p;
    }

    at::Tensor lora_l1(const std::string& module, const std::string& proj, int64_t in) const {
        const std::string name = module + "lora_" + proj + "_l1.weight";
        at::Tensor l1 = adapter_.get(name);
        return adapter_.get(name, {l1.dim() == 2 ? l1.size(0) : -1, in}).to(at::kFloat);
    }
    at::Tensor lora_l2(const std::string& module, const std::string& proj, int64_t out, int64_t in) const {
        return adapter_.get(module + "lora_" + proj + "_l2.weight", {out, lora_l1(module, proj, in).size(0)}).to(at::kFloat);
    }

    const TensorStore& base_;
    const TensorStore& adapter_;
    at::ScalarType dtype_;
    WeightFormat format_;
    const std::map<std::string, quant::QuantizedMatrix>* cached_;
    bool training_ = false;
    std::vector<std::pair<std::string, std::shared_ptr<const quant::QuantizedMatrix>>> quantized_;
    size_t from_cache_ = 0;
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
                                int64_t max_seq_len, int64_t vocab_size, const LoadProgress& progress,
                                WeightFormat format, bool quant_cache, bool training) {
    const std::string params_path = (fs::path(llama_dir) / "params.json").string();
    const LlamaConfig c = LlamaConfig::from_params_json(params_path);
    // Training a base model (the solids world's `train base`) has no adapter at all: a plain
    // LLaMA, no visual injection. Answering always needs one.
    const bool base_only = training && adapter.size() == 0;
    if (!base_only) check_adapter_matches(adapter, c, params_path);

    std::vector<std::string> shards = find_base_checkpoints(llama_dir);
    if (shards.empty())
        throw Error(llama_dir + " has no consolidated.00.pth; point --llama at the folder that holds the LLaMA weights.");
    if (shards.size() > 1)
        throw Error(llama_dir + " holds " + std::to_string(shards.size()) +
                    " consolidated.*.pth shards (a model larger than 7B); ImageBind-LLM needs LLaMA-7B.");
    if (progress) progress("Reading " + fs::path(shards[0]).filename().string(), 0.0);
    const TensorStore base = TensorStore::from_pth(shards[0]);
    LlamaBuild build;
    build.config = c;
    build.params_path = params_path;
    build.precision = precision;
    build.max_seq_len = max_seq_len;
    build.vocab_size = vocab_size;
    build.format = format;
    if (quant_cache) build.quant_cache = quant::QuantCacheKey{shards[0], adapter.source(), format};
    build.training = training;
    return build_llama_weights(base, adapter, build, progress);
}

LlamaWeights build_llama_weights(const TensorStore& base, const TensorStore& adapter, const LlamaBuild& build,
                                 const LoadProgress& progress) {
    LlamaConfig c = build.config;
    const std::string& params_path = build.params_path;
    Precision precision = build.precision;
    const WeightFormat format = build.format;
    const bool training = build.training;
    const bool base_only = adapter.size() == 0;

    at::Tensor emb = base.get("tok_embeddings.weight");
    if (emb.dim() != 2 || emb.size(1) != c.dim)
        throw Error(base.source() + ": 'tok_embeddings.weight' has shape " + shape_string(emb.sizes()) + " but " + params_path +
                    " says dim " + std::to_string(c.dim) + "; the weights and params.json do not belong together.");
    c.vocab_size = build.vocab_size > 0 ? build.vocab_size : emb.size(0);
    if (emb.size(0) != c.vocab_size)
        throw Error(base.source() + " has a vocabulary of " + std::to_string(emb.size(0)) + " tokens but the tokenizer has " +
                    std::to_string(c.vocab_size) + "; use the tokenizer.model that came with these LLaMA weights.");
    c.max_seq_len = build.max_seq_len;
    if (c.max_seq_len < 1 || c.max_seq_len > kMaxContext)
        throw Error("The context window must be between 1 and " + std::to_string(kMaxContext) + " tokens.");

    LlamaWeights w;
    const at::ScalarType file_dtype = base.get("layers.0.attention.wq.weight").scalar_type();
    if (precision == Precision::Auto)
        precision = (file_dtype == at::kHalf || file_dtype == at::kBFloat16) ? Precision::Bf16 : Precision::Fp32;
    w.compute_dtype = precision == Precision::Bf16 ? at::kBFloat16 : at::kFloat;
    w.has_lora = adapter.contains("llama.layers.0.attention.lora_wq_l1.weight");
    w.has_bias = adapter.contains("llama.layers.0.attention.wq.bias");

    if (!base_only) {
        w.prefix_query = adapter.get("prefix_query.weight").to(at::kFloat);
        w.query_layer = w.prefix_query.size(0);
    }
    w.weight_format = format;
    if (training && format != WeightFormat::Bf16)
        throw Error("Training needs the exact weights; quantised formats (int8, q4) are for answering only.");
    const bool quant_cache = build.quant_cache.has_value() && !training;
    std::optional<std::map<std::string, quant::QuantizedMatrix>> cached;
    // Every matrix made below (quantised, read from the cache file, converted to bf16) is
    // placed in shared huge-page chunks, a matrix's scales right after its weights.
    const quant::WeightMemoryArena arena;
    if (format != WeightFormat::Bf16 && quant_cache) {
        if (progress) progress("Opening " + fs::path(quant::quant_cache_path(*build.quant_cache)).filename().string(), 0.0);
        cached = quant::read_quant_cache(*build.quant_cache);
    }
    WeightLoader L(base, adapter, w.compute_dtype, format, cached ? &*cached : nullptr, training);
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
        if (lora && !training) {
            at::Tensor l1 = adapter.get(a + "attention.lora_wv_l1.weight");
            lw.wv_lora_l1 = L.lora_factor(a + "attention.lora_wv_l1.weight", l1.size(0), D);
            lw.wv_lora_l2 = L.lora_factor(a + "attention.lora_wv_l2.weight", D, l1.size(0));
        }
        if (i >= c.n_layers - w.query_layer) {
            lw.gate = adapter.get(a + "attention.gate", {1, H, 1, 1}).to(at::kFloat);
            lw.gate_tanh = lw.gate.reshape({H}).tanh();
        }
        w.layers.push_back(std::move(lw));
    }
    w.norm = L.norm("norm.weight", D);
    w.output = L.plain("output", c.vocab_size, D);
    if (format != WeightFormat::Bf16 && quant_cache && !L.all_from_cache()) {
        if (progress) progress("Saving " + fs::path(quant::quant_cache_path(*build.quant_cache)).filename().string(), 0.99);
        std::vector<std::pair<std::string, const quant::QuantizedMatrix*>> matrices;
        for (const auto& [name, q] : L.quantized()) matrices.emplace_back(name, q.get());
        quant::write_quant_cache(*build.quant_cache, matrices);  // best effort: a read-only folder just means no cache
    }
    w.config = c;
    if (progress) progress("Weights ready", 1.0);
    return w;
}

}  // namespace ibllm
