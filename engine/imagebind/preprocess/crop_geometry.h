#pragma once
// The integer geometry of the reference's resize-then-crop steps. Each rule copies a
// specific library's arithmetic, because an off-by-one here moves every pixel.
namespace ibllm {

struct Size2 {
    int width = 0, height = 0;
};

// torchvision Resize(int): the short side becomes `target`, the long side
// int(target * long / short) (truncated); orientation is kept.
Size2 short_side_resize_torchvision(int width, int height, int target);

// pytorchvideo ShortSideScale: the long side is floor(long / short * target) - division
// first, which can differ by one from torchvision's rule.
Size2 short_side_resize_pytorchvideo(int width, int height, int target);

// torchvision CenterCrop offset: int(round((extent - crop) / 2.0)) with Python's round,
// i.e. halves go to the even neighbour (37.5 -> 38, 36.5 -> 36).
int center_crop_offset_torchvision(int extent, int crop);

}  // namespace ibllm
