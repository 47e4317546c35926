#pragma once
// `ibllm-bench serve`: what the OpenAI-compatible server adds to an answer. The same questions
// are answered by the engine in this process (as `ask` does) and through `ibllm-cli serve`
// over a loopback socket (streamed, as a chat front end reads it); it prints the first-token
// latency and the decode tokens/s of each and their ratio.
#include "engine/tools/bench_run.h"

namespace ibllm::bench {

int run_serve_benchmark(const Options& options, const std::string& self_path);

}  // namespace ibllm::bench
