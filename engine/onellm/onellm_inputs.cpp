#include "engine/onellm/onellm_inputs.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/checkpoint/tensor_format.h"
#include "engine/error.h"
#include "engine/imagebind/audio/kaldi_fbank.h"
#include "engine/imagebind/audio/sinc_resampler.h"
#include "engine/imagebind/preprocess/clip_normalization.h"
#include "engine/imagebind/preprocess/image_preprocessor.h"
#include "engine/imagebind/preprocess/pil_resize.h"
#include "engine/imagebind/preprocess/video_preprocessor.h"

namespace ibllm {

namespace {

// OneLLM's audio normalisation (data_utils.make_audio_features): the AudioSet statistics, with
// the standard deviation doubled.
constexpr double kAudioMean = -4.2677393;
constexpr double kAudioStd = 4.5689974;
constexpr int64_t kImuRate = 200;
// The ratio range of transform_pairimg_train's RandomResizedCrop, as the reference writes it.
constexpr double kCropRatioMin = 0.75, kCropRatioMax = 1.3333;

// u8 HWC -> float CHW / 255 -> CLIP normalisation.
at::Tensor to_normalized_chw(const at::Tensor& hwc_u8) {
    return clip_normalize(hwc_u8.permute({2, 0, 1}).to(at::kFloat).div(255.0));
}

std::string seconds(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", s);
    return buf;
}

}  // namespace

at::Tensor onellm_image_input(const uint8_t* rgb, int w, int h) { return preprocess_image(rgb, w, h); }

CropBox rgbx_default_crop(int w, int h) {
    const double in_ratio = static_cast<double>(w) / static_cast<double>(h);
    CropBox b;
    if (in_ratio < kCropRatioMin) {
        b.width = w;
        b.height = static_cast<int>(std::nearbyint(w / kCropRatioMin));
    } else if (in_ratio > kCropRatioMax) {
        b.height = h;
        b.width = static_cast<int>(std::nearbyint(h * kCropRatioMax));
    } else {
        b.width = w;
        b.height = h;
    }
    b.top = (h - b.height) / 2;
    b.left = (w - b.width) / 2;
    return b;
}

at::Tensor onellm_rgbx_input(const uint8_t* rgb, int w, int h, const uint8_t* map_rgb, int map_w, int map_h, const CropBox& box,
                             const std::string& source) {
    if (w <= 0 || h <= 0 || map_w <= 0 || map_h <= 0) throw Error(source + ": an image of the pair is empty.");
    if (box.top < 0 || box.left < 0 || box.height <= 0 || box.width <= 0 || box.top + box.height > h || box.left + box.width > w)
        throw Error(source + ": the crop " + std::to_string(box.top) + "," + std::to_string(box.left) + "," +
                    std::to_string(box.height) + "," + std::to_string(box.width) + " (top, left, height, width) lies outside the " +
                    std::to_string(w) + " x " + std::to_string(h) + " image; give a box inside it.");
    const at::Tensor rgb_t = at::from_blob(const_cast<uint8_t*>(rgb), {h, w, 3}, at::kByte);
    // The map takes the rgb image's size first (PIL's default filter, bicubic).
    const at::Tensor map_t = (map_w == w && map_h == h) ? at::from_blob(const_cast<uint8_t*>(map_rgb), {h, w, 3}, at::kByte)
                                                        : resize_bicubic_pil(map_rgb, map_w, map_h, 3, w, h);
    const int S = 224;
    auto crop_resize = [&](const at::Tensor& img) {
        const at::Tensor crop = img.narrow(0, box.top, box.height).narrow(1, box.left, box.width).contiguous();
        return to_normalized_chw(resize_bicubic_pil(crop.data_ptr<uint8_t>(), box.width, box.height, 3, S, S));
    };
    return at::stack({crop_resize(rgb_t), crop_resize(map_t.contiguous())}, 0).unsqueeze(0);
}

std::vector<int64_t> onellm_video_frame_ids(int64_t frame_count, double fps, int clips) {
    if (frame_count <= 0 || !(fps > 0)) throw Error("The video states no frame count or frame rate.");
    // ConstantClipsPerVideoSampler(1, clips) over frames / fps seconds (as Python's floats and
    // Fractions compute it), then decord's ceil(fps * start).
    const double duration = static_cast<double>(frame_count) / fps;
    const double max_start = std::max(duration - 1.0, 0.0);
    std::vector<int64_t> ids;
    for (int i = 0; i < clips; ++i) {
        const double start = max_start * i / clips;
        ids.push_back(std::min<int64_t>(static_cast<int64_t>(std::ceil(fps * start)), frame_count - 1));
    }
    return ids;
}

at::Tensor onellm_video_input(const std::vector<const uint8_t*>& frames, int w, int h) {
    std::vector<std::vector<const uint8_t*>> clips;
    for (const uint8_t* f : frames) clips.push_back({f});
    const at::Tensor x = preprocess_video_clips(clips, w, h);  // [1, clips * 3, 3, 1, S, S]
    return x.select(3, 0).contiguous();
}

at::Tensor onellm_audio_input(const at::Tensor& waveform, int64_t sample_rate, const OnellmConfig& c, const std::string& source,
                              OnellmAudioTrace* trace) {
    if (waveform.dim() != 2 || waveform.size(0) < 1 || waveform.size(1) < 1) throw Error(source + " holds no audio samples.");
    // transforms.Resample: the kernel computed in float64 and applied in float32.
    const at::Tensor w16 = resample_like_torchaudio(waveform.to(at::kFloat).contiguous(), sample_rate, 16000, at::kDouble);
    if (w16.size(1) < kFbankWindowSize)
        throw Error(source + " is too short: OneLLM needs at least 25 ms of sound (400 samples at 16 kHz).");
    // The mean over every channel; then only channel 0 goes into the fbank.
    const at::Tensor centred = w16 - w16.mean();
    const at::Tensor fbank = kaldi_fbank(centred[0].contiguous());  // [frames, mel]
    if (fbank.size(1) != c.audio_mel_bins)
        throw Error("The model expects " + std::to_string(c.audio_mel_bins) + " mel bins; the product computes " +
                    std::to_string(fbank.size(1)) + ".");
    if (trace) {
        trace->waveform_16k = w16;
        trace->fbank = fbank;
    }
    const int64_t T = c.audio_frames, n = fbank.size(0);
    at::Tensor fixed = n >= T ? fbank.narrow(0, 0, T) : at::constant_pad_nd(fbank, {0, 0, 0, T - n}, 0);
    fixed = (fixed - kAudioMean) / (kAudioStd * 2);
    return fixed.transpose(0, 1).contiguous().reshape({1, 1, c.audio_mel_bins, T});
}

at::Tensor onellm_point_input(const at::Tensor& points, const std::string& source) {
    if (points.dim() != 2 || points.size(1) != 6)
        throw Error(source + " has shape " + shape_string(points.sizes()) +
                    "; OneLLM reads point clouds of 6 columns (x y z r g b), one row per point.");
    if (points.size(0) == 0) throw Error(source + " holds no points; choose a file with a point cloud in it.");
    at::Tensor pc = points.to(at::kFloat).contiguous();
    if (!at::isfinite(pc).all().item<bool>()) throw Error(source + " contains NaN or infinite values; clean the point cloud first.");
    at::Tensor xyz = pc.narrow(1, 0, 3);
    xyz = xyz - xyz.mean(0);
    const double radius = xyz.pow(2).sum(1).sqrt().max().item<double>();
    if (!(radius > 0)) throw Error(source + ": every point lies at one place; OneLLM needs a point cloud with some extent.");
    xyz = xyz / xyz.pow(2).sum(1).sqrt().max();
    return at::cat({xyz, pc.narrow(1, 3, 3)}, 1).unsqueeze(0);
}

at::Tensor onellm_fmri_input(const at::Tensor& array, int64_t voxels, const std::string& source) {
    if (!at::isFloatingType(array.scalar_type()) || array.dim() < 1 || array.dim() > 2 || array.size(-1) != voxels ||
        array.numel() == 0)
        throw Error(source + " has shape " + shape_string(array.sizes()) + " (" + std::string(c10::toString(array.scalar_type())) +
                    "); OneLLM's fMRI input is float voxels shaped (" + std::to_string(voxels) + ") or (repetitions, " +
                    std::to_string(voxels) + ").");
    // numpy's mean over the repetitions: the rows added in order in the file's dtype, then divided.
    at::Tensor mean = array.dim() == 2 ? array[0].clone() : array;
    if (array.dim() == 2) {
        for (int64_t r = 1; r < array.size(0); ++r) mean.add_(array[r]);
        mean.div_(static_cast<double>(array.size(0)));
    }
    if (!at::isfinite(mean).all().item<bool>()) throw Error(source + " contains NaN or infinite values.");
    return mean.to(at::kFloat).reshape({1, 1, voxels});
}

at::Tensor onellm_imu_input(const at::Tensor& signal, const at::Tensor& timestamps_ms, double start_s, double end_s,
                            int64_t samples, const std::string& source) {
    if (signal.dim() != 2 || signal.size(0) != 6 || !at::isFloatingType(signal.scalar_type()))
        throw Error(source + " has shape " + shape_string(signal.sizes()) +
                    "; OneLLM's IMU input is (6, samples): accelerometer x y z, gyroscope x y z.");
    const int64_t n = signal.size(1);
    if (timestamps_ms.dim() != 1 || timestamps_ms.size(0) != n)
        throw Error(source + ": its timestamps file holds " + std::to_string(timestamps_ms.numel()) + " values for " +
                    std::to_string(n) + " samples; give one timestamp (ms) per sample.");
    const at::Tensor ts = timestamps_ms.to(at::kDouble).contiguous();
    const double* t = ts.data_ptr<double>();
    const std::string window = seconds(start_s) + "-" + seconds(end_s) + " s";
    if (!(end_s > start_s) || start_s * 1000 > t[n - 1] || end_s * 1000 > t[n - 1])
        throw Error(source + ": the window " + window + " is not inside the recording (it ends at " + seconds(t[n - 1] / 1000) +
                    " s); choose a window within it.");
    const double expected_s = std::nearbyint(end_s - start_s);  // padIMU: round(seconds) * 200 samples
    if (static_cast<int64_t>(expected_s) * kImuRate != samples)
        throw Error(source + ": the window " + window + " is not " + std::to_string(samples / kImuRate) +
                    " s long; OneLLM reads IMU windows of " + std::to_string(samples / kImuRate) + " s.");
    int64_t a = std::lower_bound(t, t + n, start_s * 1000) - t;
    int64_t b = std::lower_bound(t, t + n, end_s * 1000) - t;
    if (std::abs(start_s - t[a] / 1000) > 4 || std::abs(end_s - t[std::min(b, n - 1)] / 1000) > 4)
        throw Error(source + ": its timestamps leave a gap of more than 4 s at the window " + window + ".");
    if (a == b) --a, ++b;
    if (a < 0 || b > n || b - a < 10)
        throw Error(source + ": the window " + window + " holds fewer than 10 samples; choose a longer window or a denser recording.");
    at::Tensor w = signal.narrow(1, a, b - a).contiguous();  // [6, m] in the file's dtype
    const double mean_step = (t[b - 1] - t[a]) / static_cast<double>(b - a - 1);
    const int64_t rate = static_cast<int64_t>(1000 * (1 / mean_step));
    if (rate <= 0) throw Error(source + ": its timestamps do not increase; they must be in milliseconds.");
    if (rate != kImuRate) w = resample_like_torchaudio(w, rate, kImuRate, w.scalar_type());
    const int64_t m = w.size(1);
    w = m >= samples ? w.narrow(1, 0, samples) : at::constant_pad_nd(w, {0, samples - m}, 0);
    return w.to(at::kFloat).reshape({1, 6, samples});
}

}  // namespace ibllm
