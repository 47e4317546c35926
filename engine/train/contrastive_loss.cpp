#include "engine/train/contrastive_loss.h"

#include <ATen/ATen.h>

#include <cmath>

#include "engine/error.h"

namespace ibllm {

at::Tensor symmetric_info_nce(const at::Tensor& a, const at::Tensor& b, const std::vector<int64_t>& classes) {
    if (a.dim() != 2 || b.dim() != 2 || a.sizes() != b.sizes() || a.size(0) < 1)
        throw Error("The contrastive loss needs two [B, E] batches of the same shape.");
    const int64_t B = a.size(0);
    at::Tensor logits = at::matmul(a, b.t());
    if (!classes.empty()) {
        if (static_cast<int64_t>(classes.size()) != B) throw Error("The contrastive loss needs one class per item of the batch.");
        const at::Tensor c = at::tensor(classes, at::kLong);
        // Same class, other item: masked with -inf, so it takes no part in either softmax.
        const at::Tensor same = c.unsqueeze(1).eq(c.unsqueeze(0)).logical_and(at::eye(B, at::kBool).logical_not());
        logits = logits.masked_fill(same, -INFINITY);
    }
    const at::Tensor labels = at::arange(B, at::kLong);
    return (at::cross_entropy_loss(logits, labels) + at::cross_entropy_loss(logits.t(), labels)) / 2.0;
}

}  // namespace ibllm
