#pragma once
// Random-weight checkpoints at the real shapes and in the real file formats, written once
// into a cache folder and reused by later runs:
//   <cache>/llama-<scale>/  params.json, consolidated.00.pth (fp16 OrderedDict, as Meta ships
//                           it), tokenizer.model (the real LLaMA vocabulary), adapter.pth
//                           ({'model', 'config'}, fp32, with LoRA, biases, gates and the bind
//                           network, as the ImageBind-LLM release)
//   <cache>/imagebind-huge/ imagebind_w3D.pth (fp32 state_dict of ImageBind-huge plus the
//                           Point-BERT 3D encoder) and the CLIP vocabulary next to it
// Files are written tensor by tensor, so a 13.5 GB checkpoint never sits in memory whole.
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "engine/tools/bench_scale.h"

namespace ibllm::bench {

struct BenchModelFiles {
    std::string llama_dir;
    std::string tokenizer;
    std::string adapter;
    std::string imagebind;  // empty when the run does not use the encoders
    std::string run_dir;    // scratch for one run: the bf16 pass leaves its logits here
};

// $XDG_CACHE_HOME/imagebind-llm-bench, else ~/.cache/imagebind-llm-bench.
std::string default_cache_root();

// A file shipped in the source tree (e.g. "tests/data/llama_adapter/tokenizer.model" or
// "engine/tools/reference_decode.py"), looked for next to the executable first, then in
// the source tree the benchmark was built from. Empty when neither has it.
std::string find_project_file(const std::string& relative, const std::string& next_to_exe_name = "");

// Makes whatever is missing (checking free disk space first) and returns the paths.
// `tokenizer_source` empty: the LLaMA tokenizer of the test fixtures. Progress goes to stderr.
BenchModelFiles ensure_bench_checkpoints(const BenchScale& scale, const std::string& cache_root, bool with_imagebind,
                                         const std::string& tokenizer_source);

// The random value of an ImageBind / Point-BERT weight: unit norm scales, unit BN variance,
// small matrices, the real logit scales and the text model's causal mask, so activations
// stay in range. Float32 (num_batches_tracked: int64).
at::Tensor random_imagebind_weight(const std::string& name, const std::vector<int64_t>& shape, at::Generator& gen);

}  // namespace ibllm::bench
