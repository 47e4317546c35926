#include "engine/imagebind/preprocess/video_preprocessor.h"

#include <ATen/ATen.h>

#include <cmath>
#include <cstring>
#include <string>

#include "engine/error.h"
#include "engine/imagebind/preprocess/clip_normalization.h"
#include "engine/imagebind/preprocess/crop_geometry.h"

namespace ibllm {
namespace {

constexpr int kCropSize = 224;
constexpr int kSpatialCrops = 3;

// (T, H, W, 3) u8 frames -> (C, T, H, W) float32 in 0..1.
at::Tensor clip_to_float(const std::vector<const uint8_t*>& frames, int w, int h) {
    const size_t frame_bytes = size_t(w) * h * 3;
    at::Tensor thwc = at::empty({int64_t(frames.size()), h, w, 3}, at::kByte);
    for (size_t t = 0; t < frames.size(); ++t)
        std::memcpy(thwc.data_ptr<uint8_t>() + t * frame_bytes, frames[t], frame_bytes);
    return thwc.permute({3, 0, 1, 2}).to(at::kFloat).div(255.0);
}

// pytorchvideo's uniform_crop offsets for spatial_idx 0, 1, 2.
int crop_offset(int extent, int index) {
    if (index == 0) return 0;
    if (index == 2) return extent - kCropSize;
    return static_cast<int>(std::ceil((extent - kCropSize) / 2.0));
}

}  // namespace

at::Tensor preprocess_video_clips(const std::vector<std::vector<const uint8_t*>>& clips, int w, int h) {
    if (clips.empty() || w <= 0 || h <= 0)
        throw Error("The video has no frames to encode; choose a video with at least one decodable frame.");
    const size_t frames_per_clip = clips.front().size();
    for (const auto& clip : clips) {
        if (clip.empty() || clip.size() != frames_per_clip)
            throw Error("The video clips have " + std::to_string(clip.size()) + " instead of " +
                        std::to_string(frames_per_clip) + " frames; the video could not be sampled evenly.");
        for (const uint8_t* frame : clip)
            if (frame == nullptr) throw Error("A video frame is missing; the video could not be decoded fully.");
    }

    const Size2 scaled = short_side_resize_pytorchvideo(w, h, kCropSize);
    const bool crop_along_height = scaled.height > scaled.width;
    std::vector<at::Tensor> crops;
    crops.reserve(clips.size() * kSpatialCrops);
    for (const auto& clip : clips) {
        const at::Tensor video = clip_to_float(clip, w, h);  // (C, T, H, W): C is the batch here
        const at::Tensor resized =
            at::upsample_bilinear2d(video, {scaled.height, scaled.width}, /*align_corners=*/false);
        const at::Tensor normalized = clip_normalize(resized);
        const int centre_y = static_cast<int>(std::ceil((scaled.height - kCropSize) / 2.0));
        const int centre_x = static_cast<int>(std::ceil((scaled.width - kCropSize) / 2.0));
        for (int index = 0; index < kSpatialCrops; ++index) {
            const int y = crop_along_height ? crop_offset(scaled.height, index) : centre_y;
            const int x = crop_along_height ? centre_x : crop_offset(scaled.width, index);
            crops.push_back(normalized.narrow(2, y, kCropSize).narrow(3, x, kCropSize));
        }
    }
    return at::stack(crops, 0).unsqueeze(0).contiguous();
}

}  // namespace ibllm
