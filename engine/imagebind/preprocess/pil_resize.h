#pragma once
// A bit-exact re-implementation of PIL's Image.resize(size, Image.BICUBIC) for 8-bit images,
// the resampler the reference reaches through torchvision's Resize on a PIL image.
//
// PIL's algorithm (libImaging/Resample.c), reproduced step by step because every detail
// shows in the output bytes:
//  - separable: a horizontal pass over only the source rows the vertical pass will read,
//    then a vertical pass; each pass rounds and clamps to uint8;
//  - Keys cubic with a = -0.5; on a downscale the support widens to 2 * scale
//    (antialiasing), on an upscale it stays 2;
//  - per output pixel, taps xmin = (int)(center - support + 0.5) .. (int)(center + support
//    + 0.5) clamped to the image, weights normalised to sum 1 in double, then converted to
//    fixed point with 22 fractional bits (rounded away from zero);
//  - accumulation starts at 0.5 in fixed point, so the final shift rounds.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace ibllm {

// `pixels` is row-major interleaved (h x w x channels), channels 1..4. Returns uint8
// [out_h, out_w, channels]. Throws ibllm::Error on empty or invalid sizes.
at::Tensor resize_bicubic_pil(const uint8_t* pixels, int w, int h, int channels, int out_w, int out_h);

}  // namespace ibllm
