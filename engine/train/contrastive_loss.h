#pragma once
// The contrastive loss of `train imagebind`: CLIP's symmetric InfoNCE, as ImageBind trains
// image <-> text and then every other modality against the frozen image encoder.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace ibllm {

// a, b: [B, E] encoder outputs as the product's forward gives them (L2-normalised, times the
// modality's logit scale, which for text is CLIP's learnable one: init 1/0.07, clamped at
// 100). Row i of a and row i of b are a positive pair. logits = a b^T; the loss is the mean of
// the cross entropy of every row against its diagonal entry and of every column likewise.
//
// `classes` (B labels, or empty): pairs i != j of the same class are left out of both soft-
// maxes (neither positive nor negative), for class-level positives where a batch holds two
// items of one class. Differentiable in a and b.
at::Tensor symmetric_info_nce(const at::Tensor& a, const at::Tensor& b, const std::vector<int64_t>& classes = {});

}  // namespace ibllm
