#pragma once
// ImageBind's audio loader (data.py load_and_transform_audio_data) on a decoded waveform:
// resample to 16 kHz, three 2 s clips from the constant clip sampler, per clip a Kaldi
// log-mel fbank of 128 bins padded or cut to 204 frames, normalised with mean -4.268 and
// std 9.138. Decoding the file is media/av's job; the app glue connects the two.
#include <ATen/core/Tensor.h>

#include <cstdint>

#include "engine/imagebind/audio/kaldi_fbank.h"
#include "engine/imagebind/audio/sinc_resampler.h"

namespace ibllm {

constexpr int64_t kAudioClipSeconds = 2;
constexpr int64_t kAudioClipsPerFile = 3;
constexpr int64_t kAudioTargetFrames = 204;
constexpr double kAudioFbankMean = -4.268;
constexpr double kAudioFbankStd = 9.138;

// What preprocess_audio saw on the way, for parity tests and diagnostics.
struct AudioPrepTrace {
    at::Tensor waveform_16k;        // [C, N16] float32, before the in-place mean subtraction
    at::Tensor clip_sample_bounds;  // [clips, 2] int64, [start, end) in the 16 kHz waveform
    at::Tensor fbank_unnormalized;  // [clips, 1, 128, 204] float32
    at::Tensor clip_mean;           // [clips] float32, the mean each clip subtracted
};

// waveform: [C, N] float32 at sample_rate (C >= 1) -> [1, 3, 1, 128, 204] float32.
// Reference quirks kept on purpose:
//  - each clip subtracts its mean over ALL channels in place on the shared 16 kHz buffer, in
//    clip order, so overlapping clips (audio under 6 s) see earlier clips' shifts;
//  - only channel 0 goes into the fbank;
//  - audio shorter than a clip gives a shorter slice, fewer fbank frames and zero columns
//    (before normalisation) up to 204.
// Audio with fewer than 400 samples at 16 kHz (one 25 ms frame) in a clip throws ibllm::Error.
// The caller's tensor is not modified.
at::Tensor preprocess_audio(const at::Tensor& waveform, int64_t sample_rate, AudioPrepTrace* trace = nullptr);

}  // namespace ibllm
