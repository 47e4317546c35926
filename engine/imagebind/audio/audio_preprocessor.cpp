#include "engine/imagebind/audio/audio_preprocessor.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/imagebind/audio/clip_sampler.h"

namespace ibllm {

at::Tensor preprocess_audio(const at::Tensor& waveform, int64_t sample_rate, AudioPrepTrace* trace) {
    if (waveform.dim() != 2 || waveform.size(0) < 1)
        throw Error("Internal error: audio preprocessing expects a [channels, samples] waveform.");
    if (sample_rate <= 0) throw Error("The audio has no valid sample rate; convert it to a standard audio file.");
    if (waveform.size(1) == 0) throw Error("The audio contains no samples; choose a file with sound in it.");

    at::Tensor audio = waveform.to(at::kFloat);
    audio = sample_rate == kFbankSampleRate ? audio.clone() : resample_like_torchaudio(audio, sample_rate, kFbankSampleRate);
    audio = audio.contiguous();
    if (trace) trace->waveform_16k = audio.clone();

    const int64_t n16 = audio.size(1);
    // Python's `n / 16000` is a correctly rounded double, as is this division.
    const double duration = static_cast<double>(n16) / static_cast<double>(kFbankSampleRate);
    const std::vector<ClipWindow> clips = constant_clips(duration, kAudioClipSeconds, static_cast<int>(kAudioClipsPerFile));

    const int64_t num_clips = static_cast<int64_t>(clips.size());
    at::Tensor bounds = at::empty({num_clips, 2}, at::TensorOptions().dtype(at::kLong));
    at::Tensor means = at::empty({num_clips}, at::TensorOptions().dtype(at::kFloat));
    std::vector<at::Tensor> raw, normalised;
    for (int64_t i = 0; i < num_clips; ++i) {
        const int64_t start = sample_index(clips[i].start, kFbankSampleRate);
        const int64_t end = std::min(sample_index(clips[i].end, kFbankSampleRate), n16);
        bounds[i][0] = start;
        bounds[i][1] = sample_index(clips[i].end, kFbankSampleRate);  // may pass N16; the slice stops there
        if (end - start < kFbankWindowSize)
            throw Error("The audio is too short: " + std::to_string(n16) + " samples at 16 kHz (" +
                        std::to_string(n16 * 1000 / kFbankSampleRate) +
                        " ms) is less than one 25 ms analysis frame; use a longer recording.");

        at::Tensor clip = audio.slice(1, start, end);  // a view: the subtraction below is shared
        const at::Tensor mean = clip.mean();
        means[i] = mean;
        clip.sub_(mean);

        at::Tensor fbank = kaldi_fbank(clip[0]).t();  // [128, frames]
        const int64_t frames = fbank.size(1);
        if (frames < kAudioTargetFrames)
            fbank = at::constant_pad_nd(fbank, {0, kAudioTargetFrames - frames}, 0);
        else if (frames > kAudioTargetFrames)
            fbank = fbank.slice(1, 0, kAudioTargetFrames);
        fbank = fbank.unsqueeze(0).contiguous();  // [1, 128, 204]
        raw.push_back(fbank);
        // torchvision's Normalize: subtract then divide by the float32 constants.
        const auto f32 = at::TensorOptions().dtype(at::kFloat);
        normalised.push_back(fbank.sub(at::full({}, kAudioFbankMean, f32)).div(at::full({}, kAudioFbankStd, f32)));
    }
    if (trace) {
        trace->clip_sample_bounds = bounds;
        trace->fbank_unnormalized = at::stack(raw, 0);
        trace->clip_mean = means;
    }
    return at::stack(normalised, 0).unsqueeze(0);
}

}  // namespace ibllm
