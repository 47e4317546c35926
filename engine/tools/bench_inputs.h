#pragma once
// What the benchmark feeds the engine: decoded inputs of typical size for each encoder,
// and questions whose prompt is exactly a given number of tokens.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace ibllm::bench {

// The modalities timed, with the input sizes the issue names: an image, audio of 3 clips,
// video of 15 clips (5 two-second clips x 3 crops), 8192 points, a sentence, 2000 IMU samples.
std::vector<std::string> encode_modalities();
std::string encode_label(const std::string& modality);  // "audio (3 clips)", ...

// A decoded input of that modality with random content; `seed` varies it, so that two
// calls never hit the engine's per-input caches.
EncoderInput synthetic_input(const std::string& modality, uint64_t seed);

// An instruction whose Alpaca prompt (BOS included, as ask() builds it with no history)
// is exactly `tokens` tokens; Error when the template alone is longer.
std::string instruction_with_prompt_tokens(const std::string& tokenizer_path, int tokens);

// The prompt ids ask() feeds the model for `instruction` (no history, no input).
std::vector<int> prompt_ids(const std::string& tokenizer_path, const std::string& instruction);

}  // namespace ibllm::bench
