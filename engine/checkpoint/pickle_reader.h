#pragma once
// A restricted unpickler for the data.pkl of a torch checkpoint. It understands the pickle
// opcodes that torch.save and plain Python containers produce, and it knows exactly the few
// callables a checkpoint uses (collections.OrderedDict, torch._utils._rebuild_tensor_v2,
// torch._utils._rebuild_parameter and the torch.*Storage types). Any other global is refused
// with an error naming it: nothing in the file is ever executed.
//
// Tensors are zero-copy views into the memory of their storage records. That memory is the
// read-only file mapping: the weights must never be written in place (writing would fault).
// Callers that need to modify a tensor clone it first; converting to another dtype copies anyway.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "engine/checkpoint/pickle_value.h"

namespace ibllm {

// The bytes behind one persistent id ('storage', type, key, location, numel). `owner` keeps
// them alive as long as any tensor viewing them exists.
struct StorageRecord {
    const uint8_t* data = nullptr;
    size_t bytes = 0;
    std::shared_ptr<const void> owner;
};

// Returns the record of a storage key; throws ibllm::Error when there is none.
using StorageResolver = std::function<StorageRecord(const std::string& key)>;

// Unpickles `size` bytes. `source` is the file named in error messages. Every malformed
// input throws ibllm::Error; none crashes.
Value read_pickle(const uint8_t* data, size_t size, const std::string& source, const StorageResolver& storages);

}  // namespace ibllm
