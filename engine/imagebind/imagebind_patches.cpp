#include "engine/imagebind/imagebind_patches.h"

#include <ATen/ATen.h>

namespace ibllm::imagebind_trunk {

std::vector<int64_t> conv_output_size(const std::vector<int64_t>& input_size, const std::vector<int64_t>& kernel,
                                      const std::vector<int64_t>& stride) {
    std::vector<int64_t> out;
    for (size_t i = 0; i < kernel.size(); ++i)
        out.push_back(input_size[i] < kernel[i] ? 0 : (input_size[i] - kernel[i]) / stride[i] + 1);
    return out;
}

at::Tensor conv_patches(const at::Tensor& x, const std::vector<int64_t>& kernel, const std::vector<int64_t>& stride) {
    const int64_t N = x.size(0), C = x.size(1);
    const int64_t k = static_cast<int64_t>(kernel.size());
    std::vector<int64_t> spatial(x.sizes().begin() + 2, x.sizes().end());
    const std::vector<int64_t> outs = conv_output_size(spatial, kernel, stride);
    int64_t positions = 1, features = C;
    for (int64_t i = 0; i < k; ++i) {
        positions *= outs[i];
        features *= kernel[i];
    }

    if (kernel == stride) {
        // Non-overlapping: a reshape/permute of the (cropped) input, one copy.
        at::Tensor y = x;
        std::vector<int64_t> split{N, C};
        for (int64_t i = 0; i < k; ++i) {
            y = y.narrow(2 + i, 0, outs[i] * kernel[i]);
            split.push_back(outs[i]);
            split.push_back(kernel[i]);
        }
        // [N, C, o1, k1, o2, k2, ...] -> [N, o1, o2, ..., C, k1, k2, ...]
        std::vector<int64_t> order{0};
        for (int64_t i = 0; i < k; ++i) order.push_back(2 + 2 * i);
        order.push_back(1);
        for (int64_t i = 0; i < k; ++i) order.push_back(3 + 2 * i);
        return y.reshape(split).permute(order).reshape({N, positions, features});
    }
    TORCH_CHECK(k == 2, "overlapping patches are implemented for 2-D stems only");
    // Overlapping 2-D patches (audio: 16x16 every 10): im2col gives [N, C*kh*kw, positions].
    return at::im2col(x, kernel, {1, 1}, {0, 0}, stride).transpose(1, 2);
}

at::Tensor time_windows(const at::Tensor& x, int64_t window) {
    const int64_t N = x.size(0), C = x.size(1), P = x.size(2) / window;
    return x.narrow(2, 0, P * window).reshape({N, C, P, window}).permute({0, 2, 1, 3}).reshape({N, P, C * window});
}

}  // namespace ibllm::imagebind_trunk
