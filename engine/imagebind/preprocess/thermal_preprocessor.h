#pragma once
// Thermal preprocessing for the ImageBind thermal encoder. The reference ships no thermal
// loader; ImageBind trained thermal on LLVIP, whose infrared frames are ordinary 8-bit
// greyscale images (hot = bright). Our choice:
//   value / 255 (8-bit) or value / 65535 (16-bit radiometric images, scaled to the same
//   0..1 range), short side to 224 with antialiased bilinear interpolation, centre crop 224
//   (torchvision's offsets). No mean/std: none is published for ImageBind's thermal input,
//   so the 0..1 range of ToTensor is kept.
// Limits: 16-bit radiometric images are scaled linearly over their full range, not by
// temperature, so a low-contrast scene stays low-contrast.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace ibllm {

// `values` is row-major (h x w), `bits` 8 or 16. Returns float32 [1, 1, 224, 224] in 0..1.
// Throws ibllm::Error for an empty image or another bit depth.
at::Tensor preprocess_thermal(const uint16_t* values, int w, int h, int bits);

}  // namespace ibllm
