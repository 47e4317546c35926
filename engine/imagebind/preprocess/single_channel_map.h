#pragma once
// Shared geometry of the single-channel modalities (depth, thermal): a float map is resized
// so its short side is 224 (torchvision's rule) with antialiased bilinear interpolation and
// centre-cropped to 224 x 224 (torchvision's CenterCrop offsets).
#include <ATen/core/Tensor.h>

namespace ibllm {

// `map` is float32 [H, W]. Returns float32 [1, 1, 224, 224].
at::Tensor resize_and_center_crop_map(const at::Tensor& map);

}  // namespace ibllm
