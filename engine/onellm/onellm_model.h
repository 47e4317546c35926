#pragma once
// A OneLLM model folder loaded: its LLaMA-2 (the product's Transformer, no adapter), the
// encoder side (onellm_encoder.h) and the generation rule of the reference, whose decoding
// after a modality prefill runs two positions early.
#include <memory>
#include <string>

#include "engine/llama/llama_weights.h"
#include "engine/llama/transformer.h"
#include "engine/onellm/onellm_config.h"
#include "engine/onellm/onellm_encoder.h"
#include "engine/precision.h"

namespace ibllm {

struct OnellmFiles {
    std::string checkpoint;     // consolidated.00-of-01.pth
    std::string llama_config;   // llama_config.json or 7B.json (LLaMA-2's params)
    std::string onellm_config;  // onellm_config.json, or "" (the release has none)
    std::string tokenizer;      // tokenizer.model
};

// Whether `dir` looks like a OneLLM folder (a consolidated.*-of-*.pth), without reading it.
bool is_onellm_folder(const std::string& dir);
// The files of a OneLLM folder; an Error names what is missing.
OnellmFiles find_onellm_files(const std::string& dir);

struct OnellmLoadOptions {
    // Of the language model; the encoders follow it in bf16 where the CPU has bf16 instructions
    // (float32 elsewhere).
    Precision precision = Precision::Auto;
    WeightFormat weight_format = WeightFormat::Bf16;
    bool quant_cache = true;
    int64_t context = kMaxContext;
    int64_t vocab_size = -1;  // the tokenizer's
    // Corrections of the reference's behaviour, off by default (parity):
    bool fix_positions = false;  // decode at the positions after the prefill, not 2 before
    bool point_xyz = false;      // sample and group point clouds on x, y, z, not on columns 3..5
};

struct OnellmModel {
    OnellmConfig config;
    std::unique_ptr<Transformer> llm;
    std::unique_ptr<OnellmEncoder> encoder;
    bool fix_positions = false;

    // Where decoding continues relative to the prefill's end after a modality input:
    // -2 as the reference (it counts the modality tokens but not the two tags), 0 fixed.
    int64_t decode_shift() const { return fix_positions ? 0 : -2; }
};

OnellmModel load_onellm(const OnellmFiles& files, const OnellmLoadOptions& options, const LoadProgress& progress = {});

}  // namespace ibllm
