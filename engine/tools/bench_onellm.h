#pragma once
// ibllm-bench --family onellm: a random-weight OneLLM at the release's encoder sizes (CLIP
// ViT-L/14, 3 experts of 8 resample layers) with the LLaMA-2 of --scale, in the release's file
// format, loaded through the product's engine: load time, encode time per modality, prefill and
// decode speed against the memory-bandwidth bound, peak resident memory.
#include "engine/tools/bench_run.h"

namespace ibllm::bench {

int run_onellm_benchmark(const Options& options);

}  // namespace ibllm::bench
