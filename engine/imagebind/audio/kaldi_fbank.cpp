#include "engine/imagebind/audio/kaldi_fbank.h"

#include <ATen/ATen.h>

#include <cmath>
#include <limits>
#include <string>

#include "engine/error.h"

namespace ibllm {
namespace {

constexpr int64_t kPaddedWindow = 512;  // the window rounded up to a power of two
constexpr double kPreemphasis = 0.97;
constexpr double kLowFreq = 20.0;

double mel_scalar(double hz) { return 1127.0 * std::log(1.0 + hz / 700.0); }

}  // namespace

at::Tensor kaldi_mel_banks() {
    const auto f32 = at::TensorOptions().dtype(at::kFloat);
    const double nyquist = 0.5 * static_cast<double>(kFbankSampleRate);
    const double high_freq = nyquist;  // high_freq 0 means "up to Nyquist"
    const double fft_bin_width = static_cast<double>(kFbankSampleRate) / static_cast<double>(kPaddedWindow);
    const double mel_low = mel_scalar(kLowFreq);
    const double mel_high = mel_scalar(high_freq);
    const double mel_delta = (mel_high - mel_low) / static_cast<double>(kFbankMelBins + 1);

    // Same float32 tensors as the reference: bin edges on the mel axis and the mel value of
    // each FFT bin centre, then triangles = max(0, min(rising, falling)).
    const at::Tensor bin = at::arange(kFbankMelBins, at::TensorOptions().dtype(at::kLong)).unsqueeze(1);
    const at::Tensor left = bin.mul(mel_delta).add(mel_low);
    const at::Tensor center = bin.to(at::kFloat).add(1.0).mul(mel_delta).add(mel_low);
    const at::Tensor right = bin.to(at::kFloat).add(2.0).mul(mel_delta).add(mel_low);
    const at::Tensor freqs = at::arange(kPaddedWindow / 2, f32).mul(fft_bin_width);
    const at::Tensor mel = freqs.div(700.0).add(1.0).log().mul(1127.0).unsqueeze(0);
    const at::Tensor up = (mel - left) / (center - left);
    const at::Tensor down = (right - mel) / (right - center);
    const at::Tensor banks = at::max(at::zeros({1}, f32), at::min(up, down));
    return at::constant_pad_nd(banks, {0, 1}, 0);
}

at::Tensor kaldi_fbank(const at::Tensor& mono) {
    if (mono.dim() != 1 || mono.scalar_type() != at::kFloat)
        throw Error("Internal error: the filterbank expects a 1-D float32 waveform.");
    const int64_t n = mono.size(0);
    if (n < kFbankWindowSize)
        throw Error("The audio is too short to analyse: " + std::to_string(n) +
                    " samples at 16 kHz is less than one 25 ms frame; use a longer recording.");
    const int64_t frames = 1 + (n - kFbankWindowSize) / kFbankWindowShift;
    const at::Tensor signal = mono.contiguous();
    at::Tensor x = signal.as_strided({frames, kFbankWindowSize}, {kFbankWindowShift, 1});

    x = x - x.mean(1, /*keepdim=*/true);
    // Pre-emphasis with the first sample repeated as its own predecessor.
    const at::Tensor previous = at::cat({x.slice(1, 0, 1), x.slice(1, 0, kFbankWindowSize - 1)}, 1);
    x = x - previous.mul(kPreemphasis);
    x = x * at::hann_window(kFbankWindowSize, /*periodic=*/false, at::TensorOptions().dtype(at::kFloat)).unsqueeze(0);
    x = at::constant_pad_nd(x, {0, kPaddedWindow - kFbankWindowSize}, 0);

    const at::Tensor power = at::fft_rfft(x).abs().pow(2.0);
    const at::Tensor energies = at::mm(power, kaldi_mel_banks().t());
    const at::Tensor eps = at::full({}, std::numeric_limits<float>::epsilon(), at::TensorOptions().dtype(at::kFloat));
    return at::max(energies, eps).log();
}

}  // namespace ibllm
