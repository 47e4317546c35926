#pragma once
// The CLIP pixel statistics every ImageBind vision input is normalised with (images and
// video), and the float32 arithmetic the reference applies them with.
#include <ATen/core/Tensor.h>

namespace ibllm {

// Per-channel RGB mean and standard deviation of CLIP's training images, on 0..1 pixels.
constexpr double kClipMean[3] = {0.48145466, 0.4578275, 0.40821073};
constexpr double kClipStd[3] = {0.26862954, 0.26130258, 0.27577711};

// (x - mean[c]) / std[c] in float32 along dimension 0 of `x` (3 channels first), with the
// constants rounded double -> float as torch.as_tensor does; bit-identical to torchvision's
// Normalize / NormalizeVideo.
at::Tensor clip_normalize(const at::Tensor& x);

}  // namespace ibllm
