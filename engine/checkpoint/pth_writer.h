#pragma once
// Writes a checkpoint exactly as torch.save does (zip of a protocol-2 pickle plus one stored,
// 64-byte aligned record per tensor), so torch.load and read_pth both read it.
#include <cstddef>
#include <functional>
#include <string>

#include "engine/checkpoint/pickle_value.h"

namespace ibllm {

// `root` may hold None, bools, ints, floats, strings, bytes, lists, tuples, dicts (an
// `ordered` dict is written as collections.OrderedDict) and tensors (each stored as a
// contiguous CPU copy). The archive folder is the file's stem, as torch names it. Written to
// path + ".tmp" and renamed when complete. Throws ibllm::Error on I/O failure or for a
// tensor dtype torch's storages cannot hold here.
void write_pth(const std::string& path, const Value& root);

// The streaming form, for checkpoints too large to hold in memory at once (LLaMA-7B in fp16
// is 13.5 GB). Tensors in `root` may be placeholders on the meta device
// (at::empty(shape, at::device(at::kMeta).dtype(...))): only their shape and dtype are
// pickled. Right before a placeholder's record is written, `fill(index, placeholder)` is
// called, where `index` counts the root's tensors in pickle order (depth first, dict
// insertion order); it returns the data, of the placeholder's shape and dtype, which is
// written and then dropped. Records are written in torch's order, not pickle order, so
// `fill` must not rely on being called in index order. The bytes are those the in-memory
// form writes for the same data.
using TensorFill = std::function<at::Tensor(size_t index, const at::Tensor& placeholder)>;
void write_pth(const std::string& path, const Value& root, const TensorFill& fill);

}  // namespace ibllm
