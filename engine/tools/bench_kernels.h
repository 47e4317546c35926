#pragma once
// `ibllm-bench kernels`: the linear layers alone, per weight format, with random weights made
// in memory. It separates the matrix products from everything else a token costs: a decode
// pass over all the layers' projections reads every weight once, so its time against the
// engine's decode figure shows the per-token overhead outside the kernels.
#include <map>
#include <string>

namespace ibllm::bench {

int run_kernels(const std::map<std::string, std::string>& options);

}  // namespace ibllm::bench
