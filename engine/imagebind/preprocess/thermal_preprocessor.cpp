#include "engine/imagebind/preprocess/thermal_preprocessor.h"

#include <ATen/ATen.h>

#include <string>

#include "engine/error.h"
#include "engine/imagebind/preprocess/single_channel_map.h"

namespace ibllm {

at::Tensor preprocess_thermal(const uint16_t* values, int w, int h, int bits) {
    if (values == nullptr || w <= 0 || h <= 0)
        throw Error("The thermal image is empty; choose a thermal image with at least one pixel.");
    if (bits != 8 && bits != 16)
        throw Error("Thermal images must have 8 or 16 bits per pixel, not " + std::to_string(bits) +
                    "; save the image as an 8-bit or 16-bit greyscale PNG.");
    const float full_scale = bits == 16 ? 65535.0f : 255.0f;
    at::Tensor map = at::empty({h, w}, at::kFloat);
    float* dst = map.data_ptr<float>();
    const size_t n = size_t(w) * h;
    for (size_t i = 0; i < n; ++i) dst[i] = values[i] / full_scale;
    return resize_and_center_crop_map(map);
}

}  // namespace ibllm
