#pragma once
// Sizes and switches of the ImageBind encoders, in the imagebind_llm_config/1 schema of the
// parity fixtures (tests/data/imagebind/README.md). Everything the forward needs that the
// tensor shapes do not say: layer-norm epsilons, which optional parameters exist, how the
// stem cuts patches, which head and logit scale a modality uses. The real model
// (imagebind_w3D.pth) is the built-in preset huge(); other sizes come from a JSON file.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ibllm {

// How a modality turns its input into tokens.
enum class StemKind {
    Conv3dPatches,   // vision: Conv3d over (T, H, W) patches, kernel == stride
    Conv2dPatches,   // audio/depth/thermal: Conv2d, possibly overlapping (audio: 16 / stride 10)
    UnfoldLinear,    // imu: non-overlapping windows along time, flattened channel-major, Linear
    TokenEmbedding,  // text: embedding lookup of BPE ids
};

struct HeadConfig {
    // "ln_select0_linear": LayerNorm -> token `select_index` -> Linear.
    // "select_eos_argmax_then_ln_linear" (text): token at argmax(ids) -> LayerNorm -> Linear.
    std::string type;
    double ln_eps = 1e-6;
    int64_t select_index = 0;
    // Position of the Linear inside the reference nn.Sequential; it names the checkpoint key
    // (modality_heads.imu.3.weight: the IMU head has a Dropout at 2).
    int64_t linear_index = 2;
    bool proj_bias = false;

    bool operator==(const HeadConfig& o) const;
};

struct PostprocessConfig {
    bool normalize = true;
    double normalize_eps = 1e-12;
    // With a logit scale the checkpoint carries modality_postprocessors.<m>.1.log_logit_scale;
    // the factor is min(exp(log_logit_scale), logit_scale_max). Vision has none.
    bool logit_scale = false;
    double logit_scale_max = 100.0;
    double logit_scale_init = 0.0;  // informational: the checkpoint value is what counts
    bool logit_scale_learnable = false;

    bool operator==(const PostprocessConfig& o) const;
};

struct TrunkConfig {
    int64_t embed_dim = 0;
    int64_t num_blocks = 0;
    int64_t num_heads = 0;
    int64_t mlp_hidden_dim = 0;
    bool attn_qkv_bias = true;
    bool add_bias_kv = false;  // nn.MultiheadAttention bias_k/bias_v: one extra learned key/value
    double block_ln_eps = 1e-6;
    bool pre_transformer_ln = false;  // vision only: LayerNorm on the tokens before block 0
    double pre_transformer_ln_eps = 0.0;
    int64_t num_cls_tokens = 0;

    StemKind stem = StemKind::Conv2dPatches;
    std::string stem_module;  // checkpoint folder of the stem: rgbt_stem, depth_stem, imu_stem, token_embedding
    int64_t in_channels = 0;
    std::vector<int64_t> kernel_size;  // conv: per spatial(-temporal) dim; imu: {window}
    std::vector<int64_t> stride;
    bool stem_bias = false;
    bool stem_ln = false;  // LayerNorm after the patchify (audio/depth/thermal/imu)
    double stem_ln_eps = 0.0;
    std::vector<int64_t> patches_layout;
    int64_t num_patches = 0;
    std::vector<int64_t> img_size;  // one item as the stem sees it, without the batch dim
    std::string pos_embed_key;      // below modality_preprocessors.<m>.
    // Vision: a 4-D image becomes a clip by repeating it `pad_im2video_ntimes` times along
    // dim `pad_im2video_time_dim` (0 = no padding).
    int64_t pad_im2video_ntimes = 0;
    int64_t pad_im2video_time_dim = 2;
    int64_t video_frames = 0;
    int64_t num_mel_bins = 0, target_len = 0;  // audio (informational for the preprocessing)
    int64_t stem_in_features = 0;              // imu: channels * window

    int64_t vocab_size = 0;  // text
    int64_t context_length = 0;
    bool causal_mask = false;

    HeadConfig head;
    PostprocessConfig postprocess;

    int64_t head_dim() const { return embed_dim / num_heads; }
    // Tokens the trunk sees: cls tokens + patches, or the text context.
    int64_t num_tokens() const { return stem == StemKind::TokenEmbedding ? context_length + num_cls_tokens : num_cls_tokens + num_patches; }

    bool operator==(const TrunkConfig& o) const;
    bool operator!=(const TrunkConfig& o) const { return !(*this == o); }
};

struct ImageBindConfig {
    int64_t out_embed_dim = 0;
    std::map<std::string, TrunkConfig> modalities;  // vision, text, audio, depth, thermal, imu
    nlohmann::json point;  // raw "point" section, parsed by the Point-BERT encoder
    // Where it came from, for error messages: the JSON path or "the built-in ImageBind-huge
    // preset". Not part of the comparison.
    std::string source;

    // Bad JSON or a wrong schema -> ibllm::Error naming the file and the offending field.
    static ImageBindConfig from_json_file(const std::string& path);
    // The real imagebind_w3D.pth (ImageBind-huge + Point-BERT), written out in code.
    static ImageBindConfig huge();

    bool operator==(const ImageBindConfig& o) const;
};

// The modality names of the schema, in checkpoint order.
const std::vector<std::string>& imagebind_modality_names();

}  // namespace ibllm
