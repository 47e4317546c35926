#include "engine/bind/bind_network.h"

#include "engine/checkpoint/tensor_store.h"
#include "engine/error.h"

#include <ATen/ATen.h>

#include <string>

namespace ibllm {
namespace {

// The bridge RMSNorm eps is a hard-coded default in the reference (independent of
// params.json norm_eps); the legacy bridge's LayerNorm uses PyTorch's default eps.
constexpr double kBridgeRmsNormEps = 1e-6;
constexpr double kLegacyLayerNormEps = 1e-5;

class WeightReader {
public:
    WeightReader(const TensorStore& store, at::ScalarType dtype) : store_(store), dtype_(dtype) {}

    at::Tensor read(const std::string& name, at::IntArrayRef shape, at::ScalarType dtype) const {
        if (!store_.contains(name))
            throw Error("The adapter checkpoint " + store_.source() + " has no " + name +
                        ", so it is not an ImageBind-LLM adapter; choose the adapter file (7B.pth) of the release.");
        // get() with a shape throws an ibllm::Error stating both shapes.
        at::Tensor t = store_.get(name, shape);
        // Store tensors are read-only views into the mapped file; .to() copies when the
        // dtype changes and otherwise shares the mapping, which is never written to.
        return t.to(dtype).contiguous();
    }
    at::Tensor linear(const std::string& name, at::IntArrayRef shape) const {
        return read(name, shape, dtype_);
    }
    at::Tensor exact(const std::string& name, at::IntArrayRef shape) const {
        return read(name, shape, at::kFloat);
    }
    at::Tensor raw(const std::string& name) const {
        if (!store_.contains(name))
            throw Error("The adapter checkpoint " + store_.source() + " has no " + name +
                        ", so it is not an ImageBind-LLM adapter; choose the adapter file (7B.pth) of the release.");
        at::Tensor t = store_.get(name);
        if (t.dim() != 2)
            throw Error("The adapter checkpoint " + store_.source() + " stores " + name +
                        " with shape " + c10::str(t.sizes()) +
                        " instead of a matrix; the file is damaged or not an ImageBind-LLM adapter.");
        return t;
    }
    bool contains(const std::string& name) const { return store_.contains(name); }

private:
    const TensorStore& store_;
    at::ScalarType dtype_;
};

}  // namespace

BindNetwork::BindNetwork(const TensorStore& adapter, at::ScalarType dtype) : dtype_(dtype) {
    if (dtype != at::kFloat && dtype != at::kBFloat16)
        throw Error("The bind network runs in float32 or bfloat16 only; choose one of them "
                    "as the compute type.");
    const WeightReader reader(adapter, dtype);

    // The projection fixes both sizes, the first up-projection the hidden size.
    const at::Tensor proj = reader.raw("image_bind_proj.weight");
    dim_ = proj.size(0);
    visual_dim_ = proj.size(1);
    hidden_dim_ = reader.raw("image_bind_f1_1.weight").size(0);

    proj_weight_ = reader.linear("image_bind_proj.weight", {dim_, visual_dim_});
    proj_bias_ = reader.linear("image_bind_proj.bias", {dim_});
    legacy_ = reader.contains("image_bind_norm_1.bias");

    for (int i = 0; i < 3; ++i) {
        const std::string n = std::to_string(i + 1);
        Block& block = blocks_[i];
        // Norms stay float32: the reference normalises in float32 and its fp32 norm weight
        // promotes the product, whatever the matmul type.
        block.norm_weight = reader.exact("image_bind_norm_" + n + ".weight", {dim_});
        block.w1 = reader.linear("image_bind_f1_" + n + ".weight", {hidden_dim_, dim_});
        block.w2 = reader.linear("image_bind_f2_" + n + ".weight", {dim_, hidden_dim_});
        block.w3 = reader.linear("image_bind_f3_" + n + ".weight", {hidden_dim_, dim_});
        if (legacy_) {
            block.norm_bias = reader.exact("image_bind_norm_" + n + ".bias", {dim_});
            block.b1 = reader.linear("image_bind_f1_" + n + ".bias", {hidden_dim_});
            block.b2 = reader.linear("image_bind_f2_" + n + ".bias", {dim_});
            block.b3 = reader.linear("image_bind_f3_" + n + ".bias", {hidden_dim_});
        } else if (reader.contains("image_bind_f1_" + n + ".bias")) {
            throw Error("The adapter checkpoint " + adapter.source() +
                        " mixes the legacy and the current bridge layout (biased f1 without a "
                        "LayerNorm bias); choose an unmodified ImageBind-LLM adapter file.");
        }
    }
}

std::vector<std::pair<std::string, at::Tensor*>> BindNetwork::named_tensors() {
    std::vector<std::pair<std::string, at::Tensor*>> out = {{"image_bind_proj.weight", &proj_weight_},
                                                            {"image_bind_proj.bias", &proj_bias_}};
    for (int i = 0; i < 3; ++i) {
        const std::string n = std::to_string(i + 1);
        Block& b = blocks_[i];
        out.emplace_back("image_bind_norm_" + n + ".weight", &b.norm_weight);
        if (legacy_) out.emplace_back("image_bind_norm_" + n + ".bias", &b.norm_bias);
        const std::pair<at::Tensor*, at::Tensor*> f[3] = {{&b.w1, &b.b1}, {&b.w2, &b.b2}, {&b.w3, &b.b3}};
        for (int k = 0; k < 3; ++k) {
            const std::string name = "image_bind_f" + std::to_string(k + 1) + "_" + n;
            out.emplace_back(name + ".weight", f[k].first);
            if (legacy_) out.emplace_back(name + ".bias", f[k].second);
        }
    }
    return out;
}

at::Tensor BindNetwork::normalize(const Block& block, const at::Tensor& x) const {
    if (legacy_)
        return at::layer_norm(x, {dim_}, block.norm_weight, block.norm_bias, kLegacyLayerNormEps);
    return x * at::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true) + kBridgeRmsNormEps) * block.norm_weight;
}

at::Tensor BindNetwork::forward(const at::Tensor& fused) const {
    if (!fused.defined() || fused.numel() == 0 || fused.size(-1) != visual_dim_ || fused.dim() > 2)
        throw Error("The bind network expects one " + std::to_string(visual_dim_) +
                    "-d ImageBind feature but got shape " +
                    (fused.defined() ? c10::str(fused.sizes()) : std::string("(none)")) +
                    "; use the ImageBind model that matches the adapter.");

    // The residual stream stays float32 (one row, so it costs nothing); only the matmul
    // inputs are cast to the compute type. For float32 this is the reference computation.
    const at::Tensor input = fused.reshape({-1, visual_dim_}).to(dtype_);
    at::Tensor x = at::linear(input, proj_weight_, proj_bias_).to(at::kFloat);
    for (const Block& block : blocks_) {
        const at::Tensor n = normalize(block, x).to(dtype_);
        const at::Tensor gate = at::silu(at::linear(n, block.w1, block.b1));
        const at::Tensor up = at::linear(n, block.w3, block.b3);
        x = x + at::linear(gate * up, block.w2, block.b2).to(at::kFloat);
    }
    return x;
}

}  // namespace ibllm
