#include "engine/imagebind/preprocess/pil_resize.h"

#include <ATen/ATen.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "engine/error.h"

namespace ibllm {
namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;  // PIL's PRECISION_BITS for 8-bit images
constexpr double kBicubicSupport = 2.0;

double bicubic_weight(double x) {
    constexpr double a = -0.5;
    if (x < 0.0) x = -x;
    if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
    if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
    return 0.0;
}

// The taps of one axis: for output index i, `first[i]` and `count[i]` select the source
// range and `weights[i * kernel_size + k]` are its fixed-point coefficients.
struct AxisKernel {
    int kernel_size = 0;
    std::vector<int> first, count;
    std::vector<int32_t> weights;
};

AxisKernel make_axis_kernel(int in_size, int out_size) {
    // PIL passes the box edges as floats; (in1 - in0) is exact for any realistic size.
    const float in0 = 0.0f, in1 = static_cast<float>(in_size);
    const double scale = static_cast<double>(in1 - in0) / out_size;
    const double filter_scale = scale < 1.0 ? 1.0 : scale;
    const double support = kBicubicSupport * filter_scale;

    AxisKernel kernel;
    kernel.kernel_size = static_cast<int>(std::ceil(support)) * 2 + 1;
    kernel.first.resize(out_size);
    kernel.count.resize(out_size);
    kernel.weights.assign(size_t(out_size) * kernel.kernel_size, 0);

    std::vector<double> taps(kernel.kernel_size);
    for (int i = 0; i < out_size; ++i) {
        const double center = in0 + (i + 0.5) * scale;
        const double inverse_scale = 1.0 / filter_scale;
        int xmin = static_cast<int>(center - support + 0.5);
        if (xmin < 0) xmin = 0;
        int xmax = static_cast<int>(center + support + 0.5);
        if (xmax > in_size) xmax = in_size;
        xmax -= xmin;

        double total = 0.0;
        for (int k = 0; k < xmax; ++k) {
            const double w = bicubic_weight((k + xmin - center + 0.5) * inverse_scale);
            taps[k] = w;
            total += w;
        }
        int32_t* fixed = &kernel.weights[size_t(i) * kernel.kernel_size];
        for (int k = 0; k < xmax; ++k) {
            const double w = total != 0.0 ? taps[k] / total : taps[k];
            // Round half away from zero, as normalize_coeffs_8bpc does.
            fixed[k] = w < 0 ? static_cast<int32_t>(-0.5 + w * (1 << kPrecisionBits))
                             : static_cast<int32_t>(0.5 + w * (1 << kPrecisionBits));
        }
        kernel.first[i] = xmin;
        kernel.count[i] = xmax;
    }
    return kernel;
}

uint8_t clip8(int64_t accumulator) {
    if (accumulator >= (int64_t(1) << kPrecisionBits << 8)) return 255;
    if (accumulator <= 0) return 0;
    return static_cast<uint8_t>(accumulator >> kPrecisionBits);
}

constexpr int64_t kHalf = int64_t(1) << (kPrecisionBits - 1);

// Resamples rows [row_begin, row_begin + rows) of `in` (width in_w) along x into `out`.
void resample_horizontal(const uint8_t* in, int in_w, int row_begin, int rows, int channels,
                         const AxisKernel& kernel, int out_w, uint8_t* out) {
    for (int y = 0; y < rows; ++y) {
        const uint8_t* src = in + (size_t(row_begin + y) * in_w) * channels;
        uint8_t* dst = out + size_t(y) * out_w * channels;
        for (int x = 0; x < out_w; ++x) {
            const int32_t* k = &kernel.weights[size_t(x) * kernel.kernel_size];
            const int first = kernel.first[x], count = kernel.count[x];
            for (int c = 0; c < channels; ++c) {
                int64_t sum = kHalf;
                for (int t = 0; t < count; ++t) sum += int64_t(src[(first + t) * channels + c]) * k[t];
                dst[x * channels + c] = clip8(sum);
            }
        }
    }
}

// Resamples along y; `row_offset` maps the kernel's source rows into `in`, which may hold
// only the band of rows the horizontal pass produced.
void resample_vertical(const uint8_t* in, int width, int row_offset, int channels, const AxisKernel& kernel,
                       int out_h, uint8_t* out) {
    const size_t stride = size_t(width) * channels;
    for (int y = 0; y < out_h; ++y) {
        const int32_t* k = &kernel.weights[size_t(y) * kernel.kernel_size];
        const int first = kernel.first[y] - row_offset, count = kernel.count[y];
        uint8_t* dst = out + size_t(y) * stride;
        for (size_t i = 0; i < stride; ++i) {
            int64_t sum = kHalf;
            for (int t = 0; t < count; ++t) sum += int64_t(in[size_t(first + t) * stride + i]) * k[t];
            dst[i] = clip8(sum);
        }
    }
}

}  // namespace

at::Tensor resize_bicubic_pil(const uint8_t* pixels, int w, int h, int channels, int out_w, int out_h) {
    if (pixels == nullptr || w <= 0 || h <= 0 || out_w <= 0 || out_h <= 0 || channels < 1 || channels > 4)
        throw Error("Cannot resize an image of " + std::to_string(w) + "x" + std::to_string(h) + "x" +
                    std::to_string(channels) + " to " + std::to_string(out_w) + "x" + std::to_string(out_h) +
                    "; the image is empty or has an unsupported channel count.");

    at::Tensor out = at::empty({out_h, out_w, channels}, at::kByte);
    const bool need_horizontal = out_w != w;
    const bool need_vertical = out_h != h;
    if (!need_horizontal && !need_vertical) {
        std::memcpy(out.data_ptr<uint8_t>(), pixels, size_t(w) * h * channels);
        return out;
    }

    const AxisKernel vertical = make_axis_kernel(h, out_h);
    if (!need_horizontal) {
        resample_vertical(pixels, w, 0, channels, vertical, out_h, out.data_ptr<uint8_t>());
        return out;
    }

    const AxisKernel horizontal = make_axis_kernel(w, out_w);
    // Only the source rows the vertical pass reads are resampled horizontally.
    const int band_first = need_vertical ? vertical.first[0] : 0;
    const int band_last = need_vertical ? vertical.first[out_h - 1] + vertical.count[out_h - 1] : h;
    if (!need_vertical) {
        resample_horizontal(pixels, w, 0, h, channels, horizontal, out_w, out.data_ptr<uint8_t>());
        return out;
    }
    std::vector<uint8_t> band(size_t(band_last - band_first) * out_w * channels);
    resample_horizontal(pixels, w, band_first, band_last - band_first, channels, horizontal, out_w, band.data());
    resample_vertical(band.data(), out_w, band_first, channels, vertical, out_h, out.data_ptr<uint8_t>());
    return out;
}

}  // namespace ibllm
