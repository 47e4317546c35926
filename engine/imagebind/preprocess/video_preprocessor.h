#pragma once
// Video preprocessing for the ImageBind vision encoder from already chosen frames, identical
// to the reference's load_and_transform_video_data after frame selection (which lives with
// the video decoder: 5 clips of 2 s, first and last frame of each clip window).
// Per clip:
//   frames (T, H, W, 3) u8 -> float (C, T, H, W) / 255
//   -> pytorchvideo ShortSideScale(224): long side floor(long / short * 224), bilinear,
//      align_corners=False, NO antialias (C acts as the batch, T as the channels)
//   -> NormalizeVideo(CLIP mean, std)
//   -> SpatialCrop(224, 3): crops at 0, ceil((long - 224) / 2), long - 224 along the long
//      side (left/centre/right, or top/centre/bottom for portrait video), centred
//      (ceil((short - 224) / 2)) along the short side.
// Clips are stacked clip-major: [c0-left, c0-centre, c0-right, c1-left, ...].
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace ibllm {

// `clips[i][t]` points at frame t of clip i: interleaved RGB, row-major (h x w x 3); every
// clip must hold the same number of frames T. Returns float32 [1, clips * 3, 3, T, 224, 224].
// Throws ibllm::Error when there are no clips, a clip has no or a different number of frames,
// or a frame pointer is null.
at::Tensor preprocess_video_clips(const std::vector<std::vector<const uint8_t*>>& clips, int w, int h);

}  // namespace ibllm
