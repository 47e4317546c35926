#include "engine/imagebind/audio/sinc_resampler.h"

#include <ATen/ATen.h>

#include <cmath>
#include <numeric>

#include "engine/error.h"

namespace ibllm {
namespace {

constexpr int64_t kLowpassFilterWidth = 6;
constexpr double kRolloff = 0.99;

struct SincKernel {
    at::Tensor weights;  // [new_freq, 1, 2 * width + orig_freq]
    int64_t width;
};

// One polyphase filter per output phase. Every step is a float32 tensor op in the order
// torchaudio writes it, because the kernel's rounding is part of the reference output.
SincKernel make_kernel(int64_t orig_freq, int64_t new_freq, at::ScalarType dtype) {
    const double base_freq = static_cast<double>(std::min(orig_freq, new_freq)) * kRolloff;
    const int64_t width = static_cast<int64_t>(
        std::ceil(static_cast<double>(kLowpassFilterWidth * orig_freq) / base_freq));
    const auto f32 = at::TensorOptions().dtype(dtype);
    const at::Tensor idx = at::arange(-width, width + orig_freq, f32).div(static_cast<double>(orig_freq)).view({1, 1, -1});
    at::Tensor t = at::arange(0, -new_freq, -1, f32).div(static_cast<double>(new_freq)).view({-1, 1, 1}) + idx;
    t.mul_(base_freq);
    t.clamp_(-static_cast<double>(kLowpassFilterWidth), static_cast<double>(kLowpassFilterWidth));
    const at::Tensor window =
        t.mul(M_PI).div(static_cast<double>(kLowpassFilterWidth)).div(2.0).cos().pow(2);
    t.mul_(M_PI);
    at::Tensor kernels = at::where(t == 0, at::ones({}, f32), t.sin().div(t));
    kernels.mul_(window.mul(base_freq / static_cast<double>(orig_freq)));
    return {kernels, width};
}

}  // namespace

at::Tensor resample_like_torchaudio(const at::Tensor& waveform, int64_t from_rate, int64_t to_rate, at::ScalarType kernel_dtype) {
    if (from_rate <= 0 || to_rate <= 0) throw Error("Audio sample rates must be positive to resample.");
    if (waveform.dim() != 2 || (waveform.scalar_type() != at::kFloat && waveform.scalar_type() != at::kDouble))
        throw Error("Internal error: the resampler expects a [channels, samples] float32 or float64 waveform.");
    if (from_rate == to_rate) return waveform;

    const int64_t g = std::gcd(from_rate, to_rate);
    const int64_t orig_freq = from_rate / g;
    const int64_t new_freq = to_rate / g;
    SincKernel k = make_kernel(orig_freq, new_freq, kernel_dtype);
    k.weights = k.weights.to(waveform.scalar_type());

    const int64_t channels = waveform.size(0);
    const int64_t length = waveform.size(1);
    const at::Tensor padded = at::constant_pad_nd(waveform.contiguous(), {k.width, k.width + orig_freq}, 0);
    // conv1d with stride orig_freq gives, for each input step, new_freq output phases.
    const at::Tensor phases = at::conv1d(padded.unsqueeze(1), k.weights, {}, {orig_freq});
    const at::Tensor interleaved = phases.transpose(1, 2).reshape({channels, -1});
    const int64_t target_length = (new_freq * length + orig_freq - 1) / orig_freq;
    return interleaved.slice(1, 0, target_length).contiguous();
}

}  // namespace ibllm
