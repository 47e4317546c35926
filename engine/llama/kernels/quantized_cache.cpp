#include "engine/llama/kernels/quantized_cache.h"

#include <ATen/ATen.h>

#include <chrono>
#include <filesystem>
#include <system_error>

#include "engine/checkpoint/safetensors.h"
#include "engine/error.h"
#include "engine/llama/kernels/weight_memory.h"

namespace fs = std::filesystem;

namespace ibllm::quant {

namespace {

// Bump when the layout of QuantizedMatrix or the quantisers change: old caches are then
// rebuilt instead of misread. Per format, so that one format's change leaves the other's cache
// in place: q4 is at 2 since its nibbles index uneven levels (version 1 held q + 8).
const char* cache_version(WeightFormat f) { return f == WeightFormat::Q4 ? "2" : "1"; }

// (Not ibllm::to_string: that lives in ibllm_engine, above this library.)
std::string format_name(WeightFormat f) { return f == WeightFormat::Int8 ? "int8" : f == WeightFormat::Q4 ? "q4" : "bf16"; }

std::string file_stamp(const std::string& path) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) return "";
    const auto mtime = fs::last_write_time(path, ec);
    if (ec) return "";
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(mtime.time_since_epoch()).count();
    return std::to_string(size) + ":" + std::to_string(ns);
}

std::map<std::string, std::string> metadata_for(const QuantCacheKey& key) {
    return {{"ibllm.quant.version", cache_version(key.format)},
            {"ibllm.quant.format", format_name(key.format)},
            {"ibllm.quant.base", file_stamp(key.base_checkpoint)},
            {"ibllm.quant.adapter", file_stamp(key.adapter)}};
}

}  // namespace

std::string quant_cache_path(const QuantCacheKey& key) {
    fs::path p(key.base_checkpoint);
    return (p.parent_path() / (p.stem().string() + "." + format_name(key.format) + ".safetensors")).string();
}

std::optional<std::map<std::string, QuantizedMatrix>> read_quant_cache(const QuantCacheKey& key) {
    const std::string path = quant_cache_path(key);
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return std::nullopt;
    try {
        const SafetensorsFile file = read_safetensors(path);
        for (const auto& [k, v] : metadata_for(key)) {
            const auto it = file.metadata.find(k);
            if (it == file.metadata.end() || it->second != v || v.empty()) return std::nullopt;
        }
        std::map<std::string, at::Tensor> tensors(file.tensors.begin(), file.tensors.end());
        std::map<std::string, QuantizedMatrix> out;
        for (const auto& [name, data] : tensors) {
            const std::string suffix = ".data";
            if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
            const std::string base = name.substr(0, name.size() - suffix.size());
            const auto scales = tensors.find(base + ".scales");
            const auto cols = file.metadata.find(base + ".cols");
            if (scales == tensors.end() || cols == file.metadata.end()) return std::nullopt;
            QuantizedMatrix q;
            q.format = key.format;
            q.rows = data.size(0);
            q.cols = std::stoll(cols->second);
            q.padded_cols = (q.cols + 63) / 64 * 64;
            const bool int8 = key.format == WeightFormat::Int8;
            const at::Tensor& sc = scales->second;
            const bool shapes_ok =
                data.dim() == 2 && data.scalar_type() == at::kByte && data.size(1) == (int8 ? q.padded_cols : q.padded_cols / 2) &&
                (int8 ? (sc.scalar_type() == at::kFloat && sc.dim() == 1 && sc.size(0) == q.rows)
                      : (sc.scalar_type() == at::kHalf && sc.dim() == 2 && sc.size(0) == q.rows && sc.size(1) == q.padded_cols / 32));
            if (!shapes_ok) return std::nullopt;
            // Copied out of the mapping into huge-page memory (weight_memory.h: decoding ran
            // 10-15% faster from it), the mapped pages released as each matrix is copied.
            q.data = copy_to_weight_memory(data);
            q.scales = copy_to_weight_memory(sc);
            file.file->release(data.data_ptr(), data.nbytes());
            file.file->release(sc.data_ptr(), sc.nbytes());
            out.emplace(base, std::move(q));
        }
        return out;
    } catch (const std::exception&) {
        return std::nullopt;  // unreadable or corrupt: quantise again and overwrite it
    }
}

bool write_quant_cache(const QuantCacheKey& key, const std::vector<std::pair<std::string, const QuantizedMatrix*>>& matrices) {
    std::vector<std::pair<std::string, at::Tensor>> tensors;
    std::map<std::string, std::string> metadata = metadata_for(key);
    for (const auto& [name, q] : matrices) {
        tensors.emplace_back(name + ".data", q->data);
        tensors.emplace_back(name + ".scales", q->scales);
        metadata[name + ".cols"] = std::to_string(q->cols);
    }
    const std::string path = quant_cache_path(key);
    try {
        write_safetensors(path, tensors, metadata);
        return true;
    } catch (const std::exception&) {
        std::error_code ec;
        fs::remove(path + ".tmp", ec);
        return false;
    }
}

}  // namespace ibllm::quant
