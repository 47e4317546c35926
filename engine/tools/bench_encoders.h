#pragma once
// `ibllm-bench encoders`: the ImageBind-huge encoders alone, with random weights made in
// memory (no checkpoint file), timed per modality in fp32 and/or bf16.
#include <map>
#include <string>

namespace ibllm::bench {

int run_encoders(const std::map<std::string, std::string>& options);

}  // namespace ibllm::bench
