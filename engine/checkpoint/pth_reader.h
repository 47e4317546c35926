#pragma once
// A torch >= 1.6 checkpoint (.pth / .pt): a zip holding <prefix>/data.pkl and one record
// per storage, <prefix>/data/<key>. Tensors in `root` point into `file`'s mapping.
#include <memory>
#include <string>

#include "engine/checkpoint/mapped_file.h"
#include "engine/checkpoint/pickle_value.h"

namespace ibllm {

struct PthFile {
    std::shared_ptr<MappedFile> file;
    Value root;
};

// Throws ibllm::Error naming the file for anything wrong with it (missing, not a checkpoint,
// legacy format, truncated, corrupt, refused globals, unsupported dtypes).
PthFile read_pth(const std::string& path);

}  // namespace ibllm
