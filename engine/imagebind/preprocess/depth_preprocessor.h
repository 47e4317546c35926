#pragma once
// Depth preprocessing for the ImageBind depth encoder. The reference ships no depth loader,
// so this is our choice, made to resemble what the encoder was trained on:
//
// ImageBind trains depth on SUN RGB-D the way Omnivore does: the depth channel is a
// DISPARITY map (inverse depth, large = near), passed through Omnivore's
// DepthNorm(max_depth=75, clamp_max_before_scale=True), i.e. clamped to [0.01, 75] and
// divided by 75, then resized to a 224 short side, centre-cropped, and normalised with
// mean 0 / std 1 (a no-op). We do the same:
//
//  - 16-bit images are metric depth in MILLIMETRES (the Kinect / RealSense / SUN RGB-D /
//    NYU PNG convention): depth_m = value / 1000, converted to disparity in pixels of a
//    Kinect-like stereo pair, disparity = focal * baseline / depth_m with focal 518.8579 px
//    and baseline 0.075 m (38.914 px*m, so 75 corresponds to 0.52 m, the sensor's near
//    limit). A value of 0 means "no measurement" and becomes the far limit (0.01).
//  - 8-bit images are taken to be RELATIVE disparity already (brighter = nearer, as MiDaS-
//    style depth visualisations are saved): disparity = value / 255 * 75, so white is the
//    nearest possible point and black the farthest.
//  - then: clamp to [0.01, 75], / 75, short side to 224 with antialiased bilinear
//    interpolation, centre crop 224 (torchvision's offsets).
//
// Limits: a depth image in other units (metres as 16-bit, or 8-bit depth where bright = far)
// is interpreted wrongly; convert it first.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace ibllm {

constexpr double kDepthMaxDisparity = 75.0;            // Omnivore DepthNorm max_depth
constexpr double kDepthMinDisparity = 0.01;            // Omnivore DepthNorm min_depth
constexpr double kDepthDisparityScale = 518.8579 * 0.075;  // focal (px) * baseline (m)

// `values` is row-major (h x w) with `bits` 16 (millimetres) or 8 (relative disparity).
// Returns float32 [1, 1, 224, 224] in (0, 1]. Throws ibllm::Error for an empty image or
// another bit depth.
at::Tensor preprocess_depth(const uint16_t* values, int w, int h, int bits);

// The per-pixel value before resizing (exposed for tests): normalised disparity in (0, 1].
float depth_value_to_normalized_disparity(uint16_t value, int bits);

}  // namespace ibllm
