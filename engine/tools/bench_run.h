#pragma once
// The benchmark run: makes (or reuses) the cached checkpoints, measures the memory
// bandwidth, runs one process per weight format, optionally times the reference loop, and
// prints the table or the JSON array.
#include <map>
#include <string>

namespace ibllm::bench {

using Options = std::map<std::string, std::string>;  // "--key value" pairs; flags map to "1"

int run_benchmark(const Options& options, const std::string& self_path);

// The per-format process that run_benchmark starts (`ibllm-bench measure-format ...`).
int run_format_process(const Options& options);

}  // namespace ibllm::bench
