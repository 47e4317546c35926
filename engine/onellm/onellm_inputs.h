#pragma once
// OneLLM's eval loaders on decoded buffers, producing the model inputs OnellmEncoder::encode
// takes (batch of one). Where a recipe is ImageBind's too (the image resize and crop, video
// scaling and crops, the sinc resampler, the Kaldi fbank) the shared code does it.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/onellm/onellm_config.h"

namespace ibllm {

// Resize(224, bicubic) + CenterCrop(224) + CLIP normalisation -> [1, 3, 224, 224].
at::Tensor onellm_image_input(const uint8_t* rgb, int w, int h);

// The crop of an RGB-D / RGB-N pair, in the rgb image's pixels (torchvision's i, j, h, w).
struct CropBox {
    int top = 0, left = 0, height = 0, width = 0;
};
// RandomResizedCrop(scale (0.9, 1), ratio (3/4, 4/3)).get_params' fallback: the whole image
// clamped to the ratio range and centred. The reference draws a random box; this is the
// deterministic one the product uses unless a box is given.
CropBox rgbx_default_crop(int w, int h);
// load_rgbx: the map (depth or normals, as RGB) resized to the rgb image's size (PIL bicubic),
// the same crop of both resized to 224 x 224 (bicubic), CLIP normalisation ->
// [1, 2, 3, 224, 224] = [rgb, map]. A box outside the image is an Error naming `source`.
at::Tensor onellm_rgbx_input(const uint8_t* rgb, int w, int h, const uint8_t* map_rgb, int map_w, int map_h, const CropBox& box,
                             const std::string& source);

// The frame ids load_and_transform_video_data(clip_duration 1, clips_per_video 5) takes through
// decord: clip i = [i * step, i * step + 1) s over duration = frames / fps, the first frame of
// each: ceil(fps * start_i).
std::vector<int64_t> onellm_video_frame_ids(int64_t frame_count, double fps, int clips = 5);
// One frame per clip (RGB, w x h) -> ShortSideScale(224), normalisation and three crops along
// the long side per clip -> [1, clips * 3, 3, 224, 224].
at::Tensor onellm_video_input(const std::vector<const uint8_t*>& frames, int w, int h);

struct OnellmAudioTrace {
    at::Tensor waveform_16k;  // [C, N16] before the mean subtraction
    at::Tensor fbank;         // [frames, mel] before padding and normalisation
};
// make_audio_features: resample to 16 kHz (torchaudio's sinc resampler), subtract the mean
// over ALL channels, the Kaldi fbank of channel 0, zero rows to `audio_frames` (or cut),
// (x + 4.2677393) / (2 * 4.5689974), transposed -> [1, 1, mel, frames].
at::Tensor onellm_audio_input(const at::Tensor& waveform, int64_t sample_rate, const OnellmConfig& c,
                              const std::string& source, OnellmAudioTrace* trace = nullptr);

// pc_norm on an (N, 6) array (x y z and three more columns, kept as they are): x y z centred
// and scaled into the unit sphere -> [1, N, 6] float32. Not 6 columns, no points, or values that
// are not finite: an Error naming `source`.
at::Tensor onellm_point_input(const at::Tensor& points, const std::string& source);

// The mean over the repetitions (axis 0, in the file's dtype) of an (R, voxels) or (voxels)
// array -> [1, 1, voxels] float32. Another voxel count is an Error naming `source`.
at::Tensor onellm_fmri_input(const at::Tensor& array, int64_t voxels, const std::string& source);

// get_imu_frames: `signal` (6, n) and `timestamps_ms` (n), the window [start_s, end_s) found by
// bisection, its rate estimated from the mean timestamp step and resampled (float64) to 200 Hz,
// the first `samples` kept or zero rows appended -> [1, 6, samples] float32. The window must
// lie within the recording and hold at least 10 samples (an Error naming `source` otherwise).
at::Tensor onellm_imu_input(const at::Tensor& signal, const at::Tensor& timestamps_ms, double start_s, double end_s,
                            int64_t samples, const std::string& source);

}  // namespace ibllm
