#pragma once
// Writes a checkpoint exactly as torch.save does (zip of a protocol-2 pickle plus one stored,
// 64-byte aligned record per tensor), so torch.load and read_pth both read it.
#include <string>

#include "engine/checkpoint/pickle_value.h"

namespace ibllm {

// `root` may hold None, bools, ints, floats, strings, bytes, lists, tuples, dicts (an
// `ordered` dict is written as collections.OrderedDict) and tensors (each stored as a
// contiguous CPU copy). The archive folder is the file's stem, as torch names it. Written to
// path + ".tmp" and renamed when complete. Throws ibllm::Error on I/O failure or for a
// tensor dtype torch's storages cannot hold here.
void write_pth(const std::string& path, const Value& root);

}  // namespace ibllm
