#pragma once
// Named tensors from one checkpoint file, with access that checks names and shapes and
// turns a mismatch into a message naming the file, the tensor and both shapes.
#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/checkpoint/tensor_format.h"

namespace ibllm {

class MappedFile;

class TensorStore {
public:
    explicit TensorStore(std::string source_path = "");

    // Adds or replaces a tensor (a replaced name keeps its first position in names()).
    void add(const std::string& name, const at::Tensor& t);
    bool contains(const std::string& name) const;

    // Missing -> ibllm::Error "adapter.pth has no tensor 'x'; is this the right checkpoint (...)?"
    at::Tensor get(const std::string& name) const;
    // Wrong shape -> ibllm::Error showing both shapes.
    at::Tensor get(const std::string& name, at::IntArrayRef expected_shape) const;

    std::vector<std::string> names() const { return names_; }  // in file order
    const std::string& source() const { return source_; }
    size_t size() const { return names_.size(); }

    // From a .pth: with a non-empty `subkey` the root must be a dict holding that key (e.g.
    // "model") and only that entry is read. Nested dicts / lists become dotted names
    // ("a.b.0"); non-tensor leaves (ints, strings, ...) are skipped. Tensors are zero-copy
    // views of the read-only mapping: clone before modifying one.
    // Gives the memory pages behind `t` back to the kernel when `t` is a view into this
    // store's mapped file. Called once a weight has been converted to its compute dtype, so
    // that the source bytes stop counting in the resident set (13 GB for LLaMA-7B).
    void release_pages(const at::Tensor& t) const;

    static TensorStore from_pth(const std::string& path, const std::string& subkey = "");
    // The tensors whose names start with `prefix`, under the rest of their names (e.g. the
    // "llma." part of a OneLLM checkpoint as Meta's LLaMA names), sharing this store's mapping.
    TensorStore with_prefix(const std::string& prefix) const;
    static TensorStore from_safetensors(const std::string& path);

private:
    std::string source_;
    std::shared_ptr<const MappedFile> file_;  // the mapping the tensors point into, if any
    std::vector<std::string> names_;
    std::unordered_map<std::string, at::Tensor> tensors_;
};

}  // namespace ibllm
