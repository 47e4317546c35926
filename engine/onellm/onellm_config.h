#pragma once
// OneLLM's sizes. The reference hard-codes most of them (CLIP ViT-L/14, 3 experts of 8
// resample layers, 30 modality tokens); here every size that the checkpoint's shapes give is
// read from them, so a checkpoint of other sizes loads too. Head counts are not in the shapes:
// they come from onellm_config.json when the folder has one (the parity fixtures do), else
// from the release's rule of 64 values per head.
#include <cstdint>
#include <string>

#include "engine/llama/llama_config.h"

namespace ibllm {

class TensorStore;

struct OnellmConfig {
    LlamaConfig llama;  // LLaMA-2: llama_config.json / 7B.json, norm_eps 1e-5

    int64_t clip_width = 1024, clip_layers = 24, clip_heads = 16, clip_patch = 14, clip_grid = 16;
    int64_t experts = 3, resample_layers = 8, resample_heads = 16, resample_ffn = 2816;
    int64_t image_words = 30;  // modality tokens handed to the language model per input

    int64_t audio_kernel = 16, audio_stride = 10, audio_mel_bins = 128, audio_frames = 1024;
    int64_t point_groups = 1024, point_group_size = 32;
    int64_t fmri_voxels = 15724, fmri_tokens = 8;
    int64_t imu_kernel = 10, imu_samples = 400;

    int64_t image_size() const { return clip_patch * clip_grid; }                 // 224
    int64_t audio_tokens_h() const { return (audio_mel_bins - audio_kernel) / audio_stride + 1; }  // 12
    int64_t audio_tokens_w() const { return (audio_frames - audio_kernel) / audio_stride + 1; }    // 101
    int64_t imu_tokens() const { return imu_samples - imu_kernel + 1; }           // 391

    // OneLLM-7B as released (csuhan/OneLLM-7B): LLaMA-2-7B, CLIP ViT-L/14, 3 x 8 resample layers.
    static OnellmConfig onellm_7b();
    // "OneLLM-7B" for the release's sizes, else a description.
    std::string size_name() const;
};

// `checkpoint`: the checkpoint's tensors without the "llma." prefix. `llama_config_path`: the
// LLaMA-2 params (llama_config.json / 7B.json). `onellm_config_path`: "" or onellm_config.json.
// A tensor missing or of an impossible shape is an Error naming the file and the tensor.
OnellmConfig read_onellm_config(const TensorStore& checkpoint, const std::string& llama_config_path,
                                const std::string& onellm_config_path);

}  // namespace ibllm
