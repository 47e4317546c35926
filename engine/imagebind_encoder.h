#pragma once
// ImageBind with the Point-Bind 3D encoder, from a user's decoded input to the joint
// embedding: preprocessing exactly as the reference data.py, then the modality's encoder.
#include <ATen/core/Tensor.h>

#include <atomic>
#include <memory>
#include <string>

#include "engine/engine.h"

namespace ibllm {

class ImageBindModel;
class PointEncoder;
class ClipTokenizer;
struct ImageBindConfig;

class ImageBindEncoder {
public:
    // `config_path` empty: the built-in huge preset (imagebind_w3D.pth). `bpe_path` empty: the
    // CLIP vocabulary is searched next to the checkpoint and in the installed data folder.
    ImageBindEncoder(const std::string& checkpoint, const std::string& config_path, const std::string& bpe_path,
                     at::ScalarType dtype, const ProgressFn& progress);
    ~ImageBindEncoder();

    // The tensor the encoder receives, shaped as the reference's load_and_transform_* output.
    at::Tensor preprocess(const EncoderInput& input, std::string* note = nullptr) const;
    // The reference forward() output for the preprocessed input, [1, D] (clip means included).
    at::Tensor forward(Modality modality, const at::Tensor& preprocessed, const std::atomic<bool>* cancel) const;
    // L2-normalised [D] embedding of a decoded input.
    at::Tensor embed(const EncoderInput& input, const std::atomic<bool>* cancel, std::string* note = nullptr) const;

    int64_t dim() const;
    // How many of the 77 positions the text encoder reads for `text` (its CLIP tokens with the
    // start and end marks, cut at 77).
    int text_tokens(const std::string& text) const;
    bool supports(Modality m) const;

private:
    std::unique_ptr<ImageBindConfig> config_;
    std::unique_ptr<ImageBindModel> model_;
    std::unique_ptr<PointEncoder> points_;
    std::unique_ptr<ClipTokenizer> text_;
    std::string checkpoint_;
};

// Where the CLIP BPE vocabulary is looked for when no path is given.
std::string find_clip_vocabulary(const std::string& checkpoint);

}  // namespace ibllm
