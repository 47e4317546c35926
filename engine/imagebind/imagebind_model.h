#pragma once
// The ImageBind encoders for vision (images and video clips), text, audio, depth, thermal
// and IMU, loaded from imagebind_w3D.pth (or a checkpoint with the same key names) and run
// as the reference ImageBindModel.forward({modality: input}) runs them: stem, cls token and
// positional embedding, pre-norm transformer, head, L2 normalisation and logit scale, and
// the mean over clips for audio and video. The point encoder lives in pointbert/.
#include <ATen/core/Tensor.h>

#include <array>
#include <atomic>
#include <memory>
#include <string>

#include "engine/imagebind/imagebind_config.h"

namespace ibllm {

class TensorStore;

enum class ImageBindTrunk { Vision, Text, Audio, Depth, Thermal, Imu };

// "vision", "text", "audio", "depth", "thermal", "imu": the key in checkpoints and configs.
const char* trunk_name(ImageBindTrunk trunk);

// Intermediate tensors of one forward, named as the golden keys of the fixtures. For clip
// inputs (audio, video) the rows are the flattened (batch, clip) items, b * S + s.
struct EncoderTrace {
    at::Tensor stem_out;       // [N, P, D] patches (after the stem LayerNorm); text: token embeddings
    at::Tensor tokens;         // [N, L, D] trunk input: [cls] + stem_out + pos_embed
    at::Tensor block0_out;     // [N, L, D] after the first block
    at::Tensor trunk_out;      // [N, L, D] after the last block
    at::Tensor head_out;       // [N, out]
    at::Tensor post_per_item;  // [N, out] normalised and scaled, before the clip mean
    at::Tensor seq_len;        // text only: [N] int64, the EOS position the head reads
};

class ImageBindModel {
public:
    // Loads every tensor of the config's modalities from `weights`, checking names and shapes
    // against the config (a wrong checkpoint gives an ibllm::Error naming the file). A
    // modality whose tensors are all absent is unavailable (has() is false). `dtype` is the
    // compute dtype of the large matrices: at::kFloat or at::kBFloat16 (converted once here);
    // norms, biases, embeddings and the residual stream stay float32.
    ImageBindModel(const TensorStore& weights, const ImageBindConfig& config, at::ScalarType dtype);
    ~ImageBindModel();
    ImageBindModel(ImageBindModel&&) noexcept;
    ImageBindModel& operator=(ImageBindModel&&) noexcept;

    bool has(ImageBindTrunk trunk) const;

    // `input` exactly as the reference forward takes it:
    //   vision  [B, 3, H, W] image (repeated to a 2-frame clip), [B, S, 3, T, H, W] S clips
    //           per item (video), or [B, 3, T, H, W] one clip per item (the reference would
    //           flatten this 5-D tensor as clips and fail; here it is what the stem takes);
    //   audio   [B, S, 1, 128, 204] (or [B, 1, 128, 204]); depth, thermal [B, 1, 224, 224]
    //           (or [B, S, 1, 224, 224]); imu [B, 6, 2000]; text int64 ids [B, 77].
    // Inputs with clips are run as B * S items, each normalised and scaled, then averaged
    // over S (not renormalised). Returns [B, out_embed_dim] float32. `cancel` is checked
    // between blocks; when raised, ibllm::Cancelled is thrown.
    at::Tensor forward(ImageBindTrunk trunk, const at::Tensor& input, EncoderTrace* trace = nullptr,
                       const std::atomic<bool>* cancel = nullptr) const;

    // min(exp(log_logit_scale), max) from the checkpoint; 1 for a modality without one (vision).
    double logit_scale(ImageBindTrunk trunk) const;

    const ImageBindConfig& config() const { return config_; }
    at::ScalarType dtype() const { return dtype_; }

private:
    struct Encoder;
    const Encoder& encoder(ImageBindTrunk trunk) const;
    static std::unique_ptr<Encoder> load_encoder(const TensorStore& store, const ImageBindConfig& config,
                                                 const std::string& modality, at::ScalarType dtype);

    ImageBindConfig config_;
    at::ScalarType dtype_;
    std::array<std::unique_ptr<Encoder>, 6> encoders_;
};

}  // namespace ibllm
