#include "engine/bind/fusion.h"

#include "engine/error.h"

#include <ATen/ATen.h>

#include <cmath>
#include <string>

namespace ibllm {
namespace {

// F.normalize(x, dim=-1): x / max(||x||, 1e-12). The clamp keeps an all-zero embedding
// (for instance a silent clip) at zero instead of turning it into NaN.
at::Tensor l2_normalize_clamped(const at::Tensor& x) {
    return x / x.norm(2, -1, /*keepdim=*/true).clamp_min(1e-12);
}

at::Tensor as_float_row(const at::Tensor& embedding, size_t index) {
    if (!embedding.defined())
        throw Error("Cannot fuse the attachments: attachment " + std::to_string(index + 1) +
                    " has no embedding; encode it before asking.");
    const bool is_vector = embedding.dim() == 1;
    const bool is_row = embedding.dim() == 2 && embedding.size(0) == 1;
    if (!(is_vector || is_row) || embedding.numel() == 0)
        throw Error("Cannot fuse the attachments: attachment " + std::to_string(index + 1) +
                    " has an embedding of shape " + c10::str(embedding.sizes()) +
                    " instead of one vector; pass one embedding per attachment.");
    if (!at::isFloatingType(embedding.scalar_type()))
        throw Error("Cannot fuse the attachments: attachment " + std::to_string(index + 1) +
                    " has a non-floating-point embedding; pass the encoder's float output.");
    return embedding.reshape({1, -1}).to(at::kFloat);
}

}  // namespace

at::Tensor fuse_embeddings(const std::vector<WeightedEmbedding>& inputs) {
    if (inputs.empty())
        throw Error("Cannot fuse the attachments: there are none; attach at least one "
                    "image, audio clip, video or point cloud.");

    // The reference normalises the weights in Python floats (double) and only then
    // multiplies them into the float32 embeddings; doing the same keeps the goldens exact.
    double total = 0.0;
    for (size_t i = 0; i < inputs.size(); ++i) {
        if (!std::isfinite(inputs[i].weight))
            throw Error("Cannot fuse the attachments: attachment " + std::to_string(i + 1) +
                        " has an invalid weight; use a finite number.");
        total += inputs[i].weight;
    }
    // With the +1e-6 of the reference a zero total would "work" and blow the features
    // up by a factor of a million; it is always a user mistake, so say so.
    if (std::abs(total) <= 1e-6)
        throw Error("Cannot fuse the attachments: their weights add up to zero; give at "
                    "least one attachment a positive weight.");
    const double denominator = total + 1e-6;

    at::Tensor fused;
    int64_t dim = -1;
    for (size_t i = 0; i < inputs.size(); ++i) {
        at::Tensor row = as_float_row(inputs[i].embedding, i);
        if (dim < 0) {
            dim = row.size(1);
        } else if (row.size(1) != dim) {
            throw Error("Cannot fuse the attachments: attachment " + std::to_string(i + 1) +
                        " has a " + std::to_string(row.size(1)) + "-d embedding but the first has " +
                        std::to_string(dim) + "-d; encode all of them with the same ImageBind model.");
        }
        if (at::isnan(row).any().item<bool>() || at::isinf(row).any().item<bool>())
            throw Error("Cannot fuse the attachments: the embedding of attachment " +
                        std::to_string(i + 1) + " contains NaN or infinite values; encode it again.");
        at::Tensor term = l2_normalize_clamped(row) * (inputs[i].weight / denominator);
        fused = fused.defined() ? fused + term : term;
    }
    return fused;
}

}  // namespace ibllm
