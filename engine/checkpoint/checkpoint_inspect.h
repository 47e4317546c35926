#pragma once
// A listing of what a checkpoint file holds, for the `inspect` tool and for error reports:
// every tensor with its dtype and shape, and every plain setting with a short value.
#include <cstdint>
#include <string>
#include <vector>

namespace ibllm {

struct CheckpointEntryInfo {
    std::string name;            // dotted path: "model.layers.0.attention.wq.weight", "config.phase"
    std::string dtype;           // tensors: "float16"...; other entries: the Python type ("str", "float")
    std::vector<int64_t> shape;  // tensors only
    std::string value;           // non-tensors: a short repr ("'finetune'", "1e-06"); empty for tensors
    bool is_tensor = false;
};

// Reads .pth (torch zip), .safetensors and .npy files, recognised by content (safetensors also
// by its extension). Nested containers are flattened into dotted names; lists and tuples that
// hold no tensor are shown whole as one value. Throws ibllm::Error naming the file otherwise.
// (Named apart from engine.h's inspect_checkpoint(), the CLI-facing wrapper around this one.)
std::vector<CheckpointEntryInfo> inspect_checkpoint_entries(const std::string& path);

}  // namespace ibllm
