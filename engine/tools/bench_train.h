#pragma once
// `ibllm-bench train`: step time, training tokens/s and peak RSS of both phases at the
// benchmark's real shapes, with and without activation checkpointing, next to the same step
// of a reference-style PyTorch loop (--reference-python).
#include <string>

#include "engine/tools/bench_run.h"

namespace ibllm::bench {

int run_train_benchmark(const Options& options, const std::string& self_path);
// One configuration in a process of its own (`ibllm-bench train-step ...`).
int run_train_step_process(const Options& options);

}  // namespace ibllm::bench
