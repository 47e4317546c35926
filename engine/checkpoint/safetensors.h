#pragma once
// The safetensors format: an 8-byte little-endian header length, a JSON header naming each
// tensor's dtype, shape and byte range, then the raw little-endian data. Read zero-copy from
// a read-only mapping (tensors must not be written in place; clone first).
#include <ATen/core/Tensor.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/checkpoint/mapped_file.h"

namespace ibllm {

struct SafetensorsFile {
    std::shared_ptr<MappedFile> file;
    std::vector<std::pair<std::string, at::Tensor>> tensors;  // in header order
    std::map<std::string, std::string> metadata;             // "__metadata__"
};

// Supported dtypes: F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL. Throws ibllm::Error
// naming the file when it is not safetensors, is truncated, or holds another dtype.
SafetensorsFile read_safetensors(const std::string& path);

// Writes contiguous copies of `tensors` (same dtypes as above) to path + ".tmp", then renames
// it over `path`, so a crash never leaves a half-written file under the real name.
void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// True when the bytes start like a safetensors header (length, then '{').
bool looks_like_safetensors(const uint8_t* data, size_t size);

}  // namespace ibllm
