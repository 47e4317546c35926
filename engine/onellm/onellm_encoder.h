#pragma once
// OneLLM's side of an input: the modality's stem, CLIP's vision transformer shared by every
// modality, and the universal projection module (resampling experts mixed by a router), ending
// in `image_words` rows for the language model. In the weights' dtype: float32 (as the
// reference's parity runs) or bf16 (where the CPU has bf16 instructions).
#include <ATen/core/Tensor.h>

#include <vector>

#include "engine/onellm/onellm_config.h"
#include "engine/onellm/onellm_modality.h"
#include "engine/onellm/onellm_weights.h"

namespace ibllm {

// The intermediate tensors of one encode() (for parity checks against the reference).
struct OnellmEncodeTrace {
    at::Tensor stem;               // what the stem hands to CLIP, in the stem's own layout
    at::Tensor clip_tokens;        // ln_pre's input: class token + stem tokens + positions [B', n, W]
    std::vector<at::Tensor> clip_blocks;
    at::Tensor clip_out;           // ln_post over all tokens [B', n, W]
    at::Tensor clip_mean;          // over the frames (video, RGB-D, RGB-N) [B, n, W]
    at::Tensor proj1, upm_in, router_logits, router_weights, mixed, tokens;
    std::vector<at::Tensor> experts;  // each expert's first `image_words` outputs
    at::Tensor fps_idx, knn_idx;      // point clouds: the sampled centres and their neighbours
};

class OnellmEncoder {
public:
    // `point_xyz`: sample and group point clouds on x, y, z. The reference uses columns 3..5
    // (the colours of an x y z r g b cloud); that is the default, for parity.
    OnellmEncoder(OnellmConfig config, OnellmEncoderWeights weights, bool point_xyz = false);

    const OnellmConfig& config() const { return c_; }

    // `input` as the reference's model takes it, batch first:
    //   image [B, 3, S, S]; video, rgbd, rgbn [B, T, 3, S, S] (S = 224); audio [B, 1, mel, frames];
    //   point [B, N, 6]; fmri [B, 1, voxels]; imu [B, 6, samples].
    // Returns the modality tokens [B, image_words, dim] in float32.
    at::Tensor encode(OnellmModality m, const at::Tensor& input, OnellmEncodeTrace* trace = nullptr) const;

    // The rows the language model reads for one input: start tag, tokens, end tag [words + 2, dim].
    at::Tensor prefill_rows(OnellmModality m, const at::Tensor& tokens) const;

private:
    at::Tensor stem(OnellmModality m, const at::Tensor& x, OnellmEncodeTrace* trace) const;  // [B', n, W]
    at::Tensor clip(OnellmModality m, const at::Tensor& tokens, OnellmEncodeTrace* trace) const;
    at::Tensor universal_projection(OnellmModality m, const at::Tensor& features, OnellmEncodeTrace* trace) const;
    at::Tensor point_stem(const at::Tensor& x, OnellmEncodeTrace* trace) const;

    OnellmConfig c_;
    OnellmEncoderWeights w_;
    bool point_xyz_ = false;
};

}  // namespace ibllm
