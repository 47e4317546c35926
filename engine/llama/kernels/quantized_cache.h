#pragma once
// A file of quantised projections next to the base checkpoint (consolidated.00.int8.safetensors
// or consolidated.00.q4.safetensors), so that a model is quantised once and later loads map it
// directly. Its metadata records the sizes and modification times of the base checkpoint and
// of the adapter (whose LoRA is merged into the weights); a cache that does not match them, or
// cannot be read, is ignored and rewritten.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/llama/kernels/quantized_matrix.h"

namespace ibllm::quant {

struct QuantCacheKey {
    std::string base_checkpoint;  // consolidated.00.pth
    std::string adapter;          // the adapter checkpoint whose LoRA is merged in
    WeightFormat format = WeightFormat::Int8;
};

// consolidated.00.pth -> consolidated.00.<format>.safetensors in the same folder.
std::string quant_cache_path(const QuantCacheKey& key);

// The matrices of a cache that matches `key` (by name), or nothing when there is no such file,
// it is stale, or it cannot be read.
std::optional<std::map<std::string, QuantizedMatrix>> read_quant_cache(const QuantCacheKey& key);

// Writes the cache (atomically: a temporary file renamed into place). Returns false, leaving
// nothing behind, when the folder is not writable or the disk is full: the cache is an
// optimisation, never a reason for a load to fail.
bool write_quant_cache(const QuantCacheKey& key, const std::vector<std::pair<std::string, const QuantizedMatrix*>>& matrices);

}  // namespace ibllm::quant
