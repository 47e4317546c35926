// The differentiable forward used for training (Transformer::forward_train). It is the
// reference's training path: the same weights as inference, LoRA kept unmerged, no KV
// cache, and every operation an ATen op so that autograd reaches the trainable tensors.
#include "engine/llama/transformer.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/csrc/autograd/autograd.h>

#include <cmath>
#include <cstdint>
#include <limits>

namespace ibllm {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Activation checkpointing for one layer, as torch.utils.checkpoint (reentrant) does it:
// the forward runs without a graph and keeps only the layer's inputs; the backward runs
// the layer again with a graph and back-propagates through it, which accumulates the
// parameters' gradients into their .grad as usual and returns those of the inputs.
struct CheckpointedLayer : torch::autograd::Function<CheckpointedLayer> {
    static variable_list forward(AutogradContext* ctx, const at::Tensor& h, const at::Tensor& adapter, const at::Tensor& mask,
                                 const Transformer* model, int64_t layer, bool has_adapter) {
        ctx->saved_data["model"] = static_cast<int64_t>(reinterpret_cast<intptr_t>(model));
        ctx->saved_data["layer"] = layer;
        ctx->saved_data["has_adapter"] = has_adapter;
        ctx->save_for_backward({h, adapter, mask});
        return {model->train_layer(layer, h, has_adapter ? adapter : at::Tensor(), mask)};
    }

    static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
        const auto* model = reinterpret_cast<const Transformer*>(static_cast<intptr_t>(ctx->saved_data["model"].toInt()));
        const int64_t layer = ctx->saved_data["layer"].toInt();
        const bool has_adapter = ctx->saved_data["has_adapter"].toBool();
        const variable_list saved = ctx->get_saved_variables();
        at::Tensor h = saved[0].detach().requires_grad_(true);
        at::Tensor adapter = has_adapter ? saved[1].detach().requires_grad_(true) : at::Tensor();
        at::Tensor out;
        {
            at::AutoGradMode grad(true);
            out = model->train_layer(layer, h, adapter, saved[2]);
        }
        torch::autograd::backward({out}, {grad_out[0]});
        return {h.grad(), has_adapter ? adapter.grad() : at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
    }
};

}  // namespace

at::Tensor Transformer::train_layer(int64_t layer, const at::Tensor& h, const at::Tensor& adapter, const at::Tensor& mask) const {
    const LayerWeights& l = w_.layers[layer];
    const LlamaConfig& c = w_.config;
    const int64_t B = h.size(0), T = h.size(1), H = c.n_heads, hd = c.head_dim();
    const at::Tensor x = rms_norm(h, l.attention_norm);
    // [B, T, H, hd] -> rotate -> [B, H, T, hd]
    const at::Tensor q = rope_.apply(l.wq.train(x).view({B, T, H, hd}), 0).transpose(1, 2);
    const at::Tensor k = rope_.apply(l.wk.train(x).view({B, T, H, hd}), 0).transpose(1, 2);
    const at::Tensor v = l.wv.train(x).view({B, T, H, hd}).transpose(1, 2);
    at::Tensor scores = at::matmul(q, k.transpose(2, 3)) / std::sqrt(static_cast<double>(hd));
    scores = scores + mask;
    at::Tensor out = at::matmul(at::softmax(scores, -1), v);  // [B, H, T, hd]
    if (adapter.defined() && l.gate.defined()) {
        // The visual value: BASE wv (no LoRA, no bias), no RoPE, one vector per head added to
        // every position after the softmax, scaled by tanh(gate).
        at::Tensor av = frozen_product(adapter, l.wv.weight);
        av = av.view({B, 1, H, hd}).transpose(1, 2);  // [B, H, 1, hd]
        out = out + l.gate.tanh() * av;
    }
    out = out.transpose(1, 2).reshape({B, T, c.dim});
    const at::Tensor h1 = h + l.wo.train(out);
    const at::Tensor x2 = rms_norm(h1, l.ffn_norm);
    return h1 + l.w2.train(at::silu(l.w1.train(x2)) * l.w3.train(x2));
}

at::Tensor Transformer::forward_train(const at::Tensor& tokens, const at::Tensor& visual_query, bool checkpointing) const {
    return output_logits(forward_train_hidden(tokens, visual_query, checkpointing));
}

at::Tensor Transformer::forward_train_hidden(const at::Tensor& tokens, const at::Tensor& visual_query, bool checkpointing) const {
    const LlamaConfig& c = w_.config;
    TORCH_CHECK(tokens.dim() == 2 && tokens.scalar_type() == at::kLong, "forward_train: tokens must be [B, T] int64");
    const int64_t B = tokens.size(0), T = tokens.size(1);
    TORCH_CHECK(T >= 1 && T <= rope_.positions(), "forward_train: ", T, " positions do not fit the RoPE table");
    TORCH_CHECK(!visual_query.defined() || (visual_query.dim() == 2 && visual_query.size(0) == B && visual_query.size(1) == c.dim),
                "forward_train: the visual query must be [B, dim]");
    at::Tensor h = at::embedding(w_.tok_embeddings, tokens).to(at::kFloat);
    const at::Tensor mask = at::full({T, T}, -std::numeric_limits<float>::infinity(), at::kFloat).triu(1);
    const at::Tensor visual = visual_query.defined() ? visual_query.unsqueeze(1) : at::Tensor();  // [B, 1, dim]
    // A checkpointed layer is a node of the graph only if one of its inputs needs a gradient;
    // the trainable tensors inside it are not inputs. Fine-tuning freezes everything before the
    // first layer, so its input is made to need one (as torch.utils.checkpoint asks of callers).
    if (checkpointing && at::GradMode::is_enabled() && !h.requires_grad()) h = h.detach().requires_grad_(true);
    for (int64_t i = 0; i < c.n_layers; ++i) {
        const int64_t row = i - (c.n_layers - w_.query_layer);
        at::Tensor adapter;
        if (visual.defined() && row >= 0) adapter = visual + w_.prefix_query.narrow(0, row, 1).unsqueeze(0);
        if (checkpointing && at::GradMode::is_enabled())
            h = CheckpointedLayer::apply(h, adapter.defined() ? adapter : at::zeros({0}), mask, this, i, adapter.defined())[0];
        else
            h = train_layer(i, h, adapter, mask);
    }
    return rms_norm(h, w_.norm);
}

}  // namespace ibllm
