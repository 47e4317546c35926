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
#include <ATen/ATen.h>
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "engine/checkpoint/pickle_value.h"

#include <nlohmann/json.hpp>

#include "engine/tools/bench_scale.h"

namespace ibllm::bench {

struct BenchModelFiles {
    std::string llama_dir;
    std::string tokenizer;
    std::string adapter;
    std::string imagebind;  // empty when the run does not use the encoders
    std::string run_dir;    // scratch for one run: the bf16 pass leaves its logits here
};

// One tensor of a checkpoint to be written: its shape and stored dtype, and how to draw it.
struct PlannedTensor {
    std::string name;
    std::vector<int64_t> shape;
    at::ScalarType dtype;
    std::function<at::Tensor(at::Generator&)> make;  // float32 (or the final dtype)
};

class Plan {
public:
    void add(std::string name, std::vector<int64_t> shape, at::ScalarType dtype, std::function<at::Tensor(at::Generator&)> make) {
        tensors_.push_back({std::move(name), std::move(shape), dtype, std::move(make)});
    }
    void normal(std::string name, std::vector<int64_t> shape, at::ScalarType dtype, double std) {
        add(std::move(name), shape, dtype, [shape, std](at::Generator& g) { return at::normal(0.0, std, shape, g); });
    }
    void uniform(std::string name, std::vector<int64_t> shape, at::ScalarType dtype, double lo, double hi) {
        add(std::move(name), shape, dtype,
            [shape, lo, hi](at::Generator& g) { return at::empty(shape, at::kFloat).uniform_(lo, hi, g); });
    }
    void constant(std::string name, std::vector<int64_t> shape, at::ScalarType dtype, double value) {
        add(std::move(name), shape, dtype, [shape, value](at::Generator&) { return at::full(shape, value, at::kFloat); });
    }

    const std::vector<PlannedTensor>& tensors() const { return tensors_; }
    uint64_t bytes() const {
        uint64_t total = 0;
        for (const PlannedTensor& t : tensors_) {
            int64_t n = 1;
            for (int64_t d : t.shape) n *= d;
            total += static_cast<uint64_t>(n) * at::elementSize(t.dtype);
        }
        return total;
    }

    // A dict of meta placeholders, in plan order (= the writer's tensor index order).
    Value placeholders(bool ordered) const {
        Value dict = Value::make_dict(ordered);
        for (const PlannedTensor& t : tensors_)
            dict.set(t.name, Value::from_tensor(at::empty(t.shape, at::device(at::kMeta).dtype(t.dtype))));
        return dict;
    }

private:
    std::vector<PlannedTensor> tensors_;
};

// Writes `root` (whose tensors are the plan's placeholders) tensor by tensor. Each tensor
// has its own seed, so the data does not depend on the order the writer asks for it.
void write_planned(const std::filesystem::path& path, const Value& root, const Plan& plan, uint64_t seed);
void write_text(const std::filesystem::path& path, const std::string& text);
// True when `dir` holds a complete cache written for exactly `spec`; mark_complete() says so.
bool cache_matches(const std::filesystem::path& dir, const nlohmann::json& spec);
void mark_complete(const std::filesystem::path& dir, const nlohmann::json& spec);
// An Error naming the folder when fewer than `needed` bytes (plus a margin) are free there.
void require_disk(const std::filesystem::path& dir, uint64_t needed);
void make_folder(const std::filesystem::path& dir);
// LLaMA's base checkpoint at the scale's shapes, Meta's names (activations near unit size,
// EOS's output row zero so that greedy decoding never stops early).
Plan llama_base_plan(const BenchScale& s, int eos_id);

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
