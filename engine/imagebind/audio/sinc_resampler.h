#pragma once
// torchaudio 0.13's functional.resample with its defaults (windowed-sinc interpolation, Hann
// window, lowpass_filter_width 6, rolloff 0.99), the resampler ImageBind's audio loader runs
// before the fbank. Re-implemented with the same kernel construction and the same
// strided convolution so that the 16 kHz waveform matches the reference to ~1e-6.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace ibllm {

// waveform: [C, N] float32 at from_rate -> [C, ceil(N * to_rate / from_rate)] float32 at
// to_rate (rates reduced by their gcd first). Equal rates return the input unchanged.
// Non-positive rates or a waveform that is not 2-D float32 throw ibllm::Error.
// `kernel_dtype`: the dtype the kernel is computed in before it takes the waveform's:
// functional.resample computes it in the waveform's dtype (float32 for ImageBind's audio,
// float64 for OneLLM's IMU windows), transforms.Resample in float64 (OneLLM's audio).
// The waveform may be float32 or float64.
at::Tensor resample_like_torchaudio(const at::Tensor& waveform, int64_t from_rate, int64_t to_rate,
                                    at::ScalarType kernel_dtype = at::kFloat);

}  // namespace ibllm
