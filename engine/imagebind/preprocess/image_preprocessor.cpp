#include "engine/imagebind/preprocess/image_preprocessor.h"

#include <ATen/ATen.h>

#include <string>

#include "engine/error.h"
#include "engine/imagebind/preprocess/clip_normalization.h"
#include "engine/imagebind/preprocess/crop_geometry.h"

namespace ibllm {

at::Tensor preprocess_image(const uint8_t* rgb, int w, int h, ImagePrepTrace* trace) {
    if (rgb == nullptr || w <= 0 || h <= 0)
        throw Error("The image is empty (" + std::to_string(w) + "x" + std::to_string(h) +
                    " pixels); choose a file that contains a picture.");
    const int size = kImageBindImageSize;
    const Size2 resized_size = short_side_resize_torchvision(w, h, size);
    const at::Tensor resized = resize_bicubic_pil(rgb, w, h, 3, resized_size.width, resized_size.height);

    const int top = center_crop_offset_torchvision(resized_size.height, size);
    const int left = center_crop_offset_torchvision(resized_size.width, size);
    const at::Tensor cropped = resized.narrow(0, top, size).narrow(1, left, size).contiguous();

    const at::Tensor pixels = cropped.permute({2, 0, 1}).to(at::kFloat).div(255);
    at::Tensor out = clip_normalize(pixels).unsqueeze(0).contiguous();
    if (trace) {
        trace->resized_u8 = resized;
        trace->cropped_u8 = cropped;
    }
    return out;
}

}  // namespace ibllm
