#pragma once
// The encoder side of a OneLLM checkpoint (CLIP's vision transformer, the modality stems and
// the universal projection module), in float32. The language model's part of the same file
// goes through the LLaMA loader (engine/llama/llama_weights.h).
#include <ATen/core/Tensor.h>

#include <array>
#include <vector>

#include "engine/imagebind/imagebind_transformer.h"
#include "engine/onellm/onellm_config.h"
#include "engine/onellm/onellm_modality.h"

namespace ibllm {

class TensorStore;

// ImageBind's layers (float32 in and out, the product in the matrix's dtype); OneLLM's
// LayerNorms take eps 1e-5.
using DenseLayer = imagebind_trunk::Linear;
using LayerNormWeights = imagebind_trunk::LayerNorm;

struct ClipBlockWeights {
    LayerNormWeights ln_1, ln_2;
    DenseLayer in_proj, out_proj, c_fc, c_proj;  // in_proj rows [q; k; v]
};

// One resample layer: a LLaMA block (RMSNorm, attention, SwiGLU) without RoPE and without a mask.
// The products that read one input are stored stacked, so that each is one wider product (alone,
// at 287 rows, a 1024-wide bf16 product ran at 290 GFLOP/s and a 3072-wide one at 370 here; in
// the whole encoder the gain was within the host's noise, docs/performance.md).
struct ResampleLayerWeights {
    at::Tensor attention_norm, ffn_norm;
    at::Tensor wqkv;  // [3W, W]: rows wq, wk, wv
    at::Tensor wo;
    at::Tensor w13;   // [2F, W]: rows w1, w3
    at::Tensor w2;
};

struct ModalityWeights {
    at::Tensor positional;         // [tokens + 1, W]: CLIP's table for image-like inputs, the modality's own otherwise
    at::Tensor resample_tokens;    // [words, W]
    DenseLayer proj1, proj2;       // W -> W, W -> dim
    LayerNormWeights proj1_norm, proj2_norm;
    DenseLayer router_fc1, router_fc2;  // W -> 4W -> experts
    at::Tensor start_tag, end_tag;      // [dim]
};

struct OnellmEncoderWeights {
    at::Tensor patch_conv;       // [W, 3, p, p], no bias
    at::Tensor class_embedding;  // [W], shared by every modality
    LayerNormWeights ln_pre, ln_post;
    std::vector<ClipBlockWeights> blocks;
    at::Tensor audio_conv, audio_conv_bias;  // [W, 1, k, k]
    at::Tensor point_conv, point_conv_bias;  // [W, 6, 1, 1]
    DenseLayer fmri;                         // voxels -> tokens * W
    at::Tensor imu_conv;                     // [W, 6, k], no bias
    std::vector<std::vector<ResampleLayerWeights>> experts;  // [expert][layer]
    std::array<ModalityWeights, kOnellmModalities.size()> modalities;

    const ModalityWeights& of(OnellmModality m) const { return modalities[static_cast<size_t>(m)]; }
};

// Every tensor is checked against `c` (an Error names the file and the tensor) and converted
// to `dtype` (float32, or bf16 where the CPU multiplies bf16 natively).
OnellmEncoderWeights load_onellm_encoder_weights(const TensorStore& checkpoint, const OnellmConfig& c,
                                                 at::ScalarType dtype = at::kFloat);

}  // namespace ibllm
