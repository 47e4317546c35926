#include "engine/imagebind/preprocess/crop_geometry.h"

#include <cmath>

namespace ibllm {

Size2 short_side_resize_torchvision(int width, int height, int target) {
    const bool portrait = width <= height;
    const int shorter = portrait ? width : height, longer = portrait ? height : width;
    // Python: int(target * long / short), an exact int product then a correctly rounded
    // division, which double reproduces for any image size.
    const int new_long = static_cast<int>(static_cast<double>(int64_t(target) * longer) / shorter);
    return portrait ? Size2{target, new_long} : Size2{new_long, target};
}

Size2 short_side_resize_pytorchvideo(int width, int height, int target) {
    if (width < height) return {target, static_cast<int>(std::floor(double(height) / width * target))};
    return {static_cast<int>(std::floor(double(width) / height * target)), target};
}

int center_crop_offset_torchvision(int extent, int crop) {
    const int twice = extent - crop;  // the offset is twice / 2, rounded half to even
    if (twice % 2 == 0) return twice / 2;
    const int below = (twice - 1) / 2;  // twice is odd: the offset lies between below and below + 1
    return below % 2 == 0 ? below : below + 1;
}

}  // namespace ibllm
