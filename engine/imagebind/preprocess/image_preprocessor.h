#pragma once
// Image preprocessing for the ImageBind vision encoder, identical to the reference's
// load_and_transform_vision_data after decoding:
//   torchvision Resize(224, BICUBIC) on the PIL image  (= resize_bicubic_pil, short side 224,
//   long side int(224 * long / short)) -> CenterCrop(224) (offsets with Python's banker's
//   round) -> ToTensor (u8 / 255, CHW float32) -> Normalize(CLIP mean, std).
// Fed the same decoded pixels it reproduces the reference bit for bit.
#include <ATen/core/Tensor.h>

#include <cstdint>

#include "engine/imagebind/preprocess/pil_resize.h"

namespace ibllm {

// The intermediate images, for tests and the CLI's --reference dumps.
struct ImagePrepTrace {
    at::Tensor resized_u8;  // uint8 [h', w', 3], short side 224
    at::Tensor cropped_u8;  // uint8 [224, 224, 3]
};

constexpr int kImageBindImageSize = 224;

// `rgb` is interleaved 8-bit RGB, row-major (h x w x 3). Returns float32 [1, 3, 224, 224].
// Throws ibllm::Error for an empty image.
at::Tensor preprocess_image(const uint8_t* rgb, int w, int h, ImagePrepTrace* trace = nullptr);

}  // namespace ibllm
