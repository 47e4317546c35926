#pragma once
// The log-mel filterbank of torchaudio.compliance.kaldi.fbank with the settings ImageBind's
// waveform2melspec passes: 16 kHz, 25 ms frames every 10 ms (snip_edges), no dither,
// per-frame DC removal, pre-emphasis 0.97, symmetric Hann window, 512-point power spectrum,
// 128 Kaldi mel bins from 20 Hz to Nyquist, log(max(energy, float32 epsilon)).
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace ibllm {

constexpr int64_t kFbankSampleRate = 16000;
constexpr int64_t kFbankWindowSize = 400;  // 25 ms at 16 kHz
constexpr int64_t kFbankWindowShift = 160;  // 10 ms at 16 kHz
constexpr int64_t kFbankMelBins = 128;

// mono: [n] float32 at 16 kHz, n >= 400 -> [1 + (n - 400) / 160, 128] float32.
// Shorter input throws ibllm::Error (the reference asserts there).
at::Tensor kaldi_fbank(const at::Tensor& mono);

// The [128, 257] triangular mel weights (the last FFT bin is a zero column), built in
// float32 as torchaudio's get_mel_banks builds them. Exposed for tests.
at::Tensor kaldi_mel_banks();

}  // namespace ibllm
