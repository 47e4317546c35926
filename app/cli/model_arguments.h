#pragma once
// The options that `ask` and `chat` share: which model files to load and how, and how answers
// are made. One parser, so both commands take the same flags with the same defaults.
#include <array>
#include <set>
#include <utility>
#include <string>

#include "app/cli/arguments.h"
#include "engine/engine.h"

namespace ibllm::cli {

// The valued options below (to pass to Arguments with a command's own).
std::set<std::string> model_option_names();

// The flags below (to pass to Arguments with a command's own).
std::set<std::string> model_flag_names();

// --model DIR finds the files by name (--family imagebind-llm|onellm reads it as that family); --llama, --tokenizer, --adapter, --imagebind,
// --imagebind-config and --cache override what the folder gives; --no-cache drops the cache.
// A UsageError names what is missing.
ModelPaths model_paths(const Arguments& args);
// --precision, --weights, --threads, --context.
LoadOptions load_options(const Arguments& args);
// --temperature 0.1, --top-p 0.75, --max-tokens 256, --seed.
SamplingSettings sampling_settings(const Arguments& args);
// --crop top,left,height,width (OneLLM's RGB-D / RGB-N crop) and --imu-window START,END (seconds);
// a UsageError for anything else.
std::array<int, 4> parse_crop(const std::string& value);
std::pair<double, double> parse_window(const std::string& value);
// --cache-size 10, --cache-t 20, --cache-weight 0.5; enabled when `paths` has a cache.
CacheSettings cache_settings(const Arguments& args, const ModelPaths& paths);

}  // namespace ibllm::cli
