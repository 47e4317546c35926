#include "engine/imagebind/preprocess/depth_preprocessor.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/imagebind/preprocess/single_channel_map.h"

namespace ibllm {

float depth_value_to_normalized_disparity(uint16_t value, int bits) {
    double disparity;
    if (bits == 16) {
        disparity = value == 0 ? kDepthMinDisparity : kDepthDisparityScale / (value / 1000.0);
    } else {
        disparity = value / 255.0 * kDepthMaxDisparity;
    }
    disparity = std::clamp(disparity, kDepthMinDisparity, kDepthMaxDisparity);
    return static_cast<float>(disparity / kDepthMaxDisparity);
}

at::Tensor preprocess_depth(const uint16_t* values, int w, int h, int bits) {
    if (values == nullptr || w <= 0 || h <= 0)
        throw Error("The depth image is empty; choose a depth map with at least one pixel.");
    if (bits != 8 && bits != 16)
        throw Error("Depth images must have 8 or 16 bits per pixel, not " + std::to_string(bits) +
                    "; save the depth map as an 8-bit or 16-bit greyscale PNG.");
    // Only 2^bits distinct inputs: convert through a lookup table.
    std::vector<float> table(size_t(1) << bits);
    for (size_t v = 0; v < table.size(); ++v) table[v] = depth_value_to_normalized_disparity(uint16_t(v), bits);
    at::Tensor map = at::empty({h, w}, at::kFloat);
    float* dst = map.data_ptr<float>();
    const size_t n = size_t(w) * h;
    for (size_t i = 0; i < n; ++i) dst[i] = table[values[i] & (table.size() - 1)];
    return resize_and_center_crop_map(map);
}

}  // namespace ibllm
