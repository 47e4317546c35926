// torchvision's RandomResizedCrop, the reference's training augmentation of images
// (data/dataset.py transform_train): a crop of 90-100% of the area with an aspect ratio in
// [3/4, 4/3], resized to 224 x 224 with PIL's bicubic filter.
#include <ATen/ATen.h>

#include <cmath>
#include <random>

#include "engine/engine.h"
#include "engine/imagebind/preprocess/pil_resize.h"

namespace ibllm {

ImageInput random_resized_crop(const ImageInput& image, uint64_t seed) {
    const int W = image.width, H = image.height;
    if (W <= 0 || H <= 0 || image.rgb.size() != static_cast<size_t>(W) * H * 3)
        throw Error("An image to augment has no pixels; check the training image files.");
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> scale(0.9, 1.0), log_ratio(std::log(3.0 / 4.0), std::log(4.0 / 3.0));
    const double area = static_cast<double>(W) * H;
    int x = 0, y = 0, w = W, h = H;
    bool found = false;
    for (int attempt = 0; attempt < 10 && !found; ++attempt) {
        const double target = area * scale(rng);
        const double aspect = std::exp(log_ratio(rng));
        const int cw = static_cast<int>(std::lround(std::sqrt(target * aspect)));
        const int ch = static_cast<int>(std::lround(std::sqrt(target / aspect)));
        if (cw > 0 && cw <= W && ch > 0 && ch <= H) {
            y = std::uniform_int_distribution<int>(0, H - ch)(rng);
            x = std::uniform_int_distribution<int>(0, W - cw)(rng);
            w = cw, h = ch;
            found = true;
        }
    }
    if (!found) {  // torchvision's fallback: the centre crop within the ratio bounds
        const double in_ratio = static_cast<double>(W) / H;
        if (in_ratio < 3.0 / 4.0) {
            w = W, h = static_cast<int>(std::lround(W / (3.0 / 4.0)));
        } else if (in_ratio > 4.0 / 3.0) {
            h = H, w = static_cast<int>(std::lround(H * (4.0 / 3.0)));
        }
        y = (H - h) / 2, x = (W - w) / 2;
    }
    std::vector<uint8_t> crop(static_cast<size_t>(w) * h * 3);
    for (int r = 0; r < h; ++r)
        std::copy_n(image.rgb.data() + (static_cast<size_t>(y + r) * W + x) * 3, static_cast<size_t>(w) * 3,
                    crop.data() + static_cast<size_t>(r) * w * 3);
    const at::Tensor out = resize_bicubic_pil(crop.data(), w, h, 3, 224, 224).contiguous();
    ImageInput result;
    result.width = 224, result.height = 224;
    result.rgb.assign(out.data_ptr<uint8_t>(), out.data_ptr<uint8_t>() + out.numel());
    return result;
}

}  // namespace ibllm
