#pragma once
// The benchmark run: makes (or reuses) the cached checkpoints, measures the memory
// bandwidth, runs one process per weight format, optionally times the reference loop, and
// prints the table or the JSON array.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ibllm::bench {

using Options = std::map<std::string, std::string>;  // "--key value" pairs; flags map to "1"

int run_benchmark(const Options& options, const std::string& self_path);

// Reading the options: a value or its fallback, a flag, a whole number (Error when it is not
// one), a comma-separated list.
std::string get(const Options& o, const std::string& key, const std::string& fallback);
bool flag(const Options& o, const std::string& key);
int get_int(const Options& o, const std::string& key, int fallback);
std::vector<std::string> split(const std::string& s);

// Runs `self ARGS... --launched-ns T` as a process of its own and returns the JSON object it
// wrote to `out_path`; a crash or a kill is reported as {key: label, "error": ...} instead of
// ending the run.
nlohmann::json run_bench_child(const std::string& self, std::vector<std::string> args, const std::string& out_path,
                               const std::string& label, const std::string& key = "format");

// The per-format process that run_benchmark starts (`ibllm-bench measure-format ...`).
int run_format_process(const Options& options);

}  // namespace ibllm::bench
