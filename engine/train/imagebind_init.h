#pragma once
// A new ImageBind for `train imagebind`: every tensor of a config's modalities and of its
// Point-BERT section, named and shaped as imagebind_w3D.pth, started as the reference's
// modules start (timm's trunc_normal(0.02) for stems, tokens and positions, 0.2 for the
// transformer blocks' matrices (imagebind_init.cpp says why), LayerNorm and
// BatchNorm ones and zeros, the causal text mask, each logit scale at its config's init),
// seeded. The result loads in the product's ImageBindModel and PointEncoder unchanged.
#include <cstdint>
#include <string>

namespace ibllm {

class TensorStore;
struct ImageBindConfig;

TensorStore new_imagebind_weights(const ImageBindConfig& config, uint64_t seed);

// The modality a checkpoint name belongs to: "vision", "text", ..., "point", or "" for none.
std::string imagebind_tensor_modality(const std::string& name);

// Whether training changes the tensor: not the text mask, not BatchNorm's running
// statistics (they stay at mean 0, variance 1 - eps, so that the eval-mode fold is the
// trained affine itself), and a logit scale only where the config makes it learnable.
bool imagebind_tensor_trainable(const ImageBindConfig& config, const std::string& name);

}  // namespace ibllm
