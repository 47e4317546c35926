#include "engine/imagebind/preprocess/single_channel_map.h"

#include <ATen/ATen.h>

#include "engine/imagebind/preprocess/crop_geometry.h"

namespace ibllm {

at::Tensor resize_and_center_crop_map(const at::Tensor& map) {
    constexpr int size = 224;
    const int h = static_cast<int>(map.size(0)), w = static_cast<int>(map.size(1));
    const Size2 target = short_side_resize_torchvision(w, h, size);
    at::Tensor x = map.reshape({1, 1, h, w});
    if (target.width != w || target.height != h) {
        // Antialiased on a downscale, so a 640x480 depth map is averaged rather than sampled.
        x = at::_upsample_bilinear2d_aa(x, at::IntArrayRef{target.height, target.width}, /*align_corners=*/false,
                                        c10::nullopt);
    }
    const int top = center_crop_offset_torchvision(target.height, size);
    const int left = center_crop_offset_torchvision(target.width, size);
    return x.narrow(2, top, size).narrow(3, left, size).contiguous();
}

}  // namespace ibllm
