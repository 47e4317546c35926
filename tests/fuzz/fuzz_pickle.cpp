// libFuzzer harness: the restricted unpickler (engine/checkpoint/pickle_reader) on raw pickle
// bytes, without a zip around them, so every input reaches the opcodes at once. Storage keys
// "0" to "3" resolve to 64 bytes (tensors are built over them); any other key is an Error, as
// a checkpoint without that record is. Any input must give values whose tensors lie inside
// their storage, or an ibllm::Error, never a crash, a hang or a read outside.
#include <ATen/ATen.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "engine/checkpoint/pickle_reader.h"
#include "engine/error.h"
#include "touch_values.h"


extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::shared_ptr<uint8_t[]> storage(new uint8_t[64]());
    const ibllm::StorageResolver resolve = [](const std::string& key) {
        if (key.size() != 1 || key[0] < '0' || key[0] > '3') throw ibllm::Error("fuzz: no storage record '" + key + "'");
        return ibllm::StorageRecord{storage.get(), 64, storage};
    };
    try {
        const ibllm::Value root = ibllm::read_pickle(data, size, "fuzz.pkl", resolve);
        touch(root);
        (void)root.repr(200);
    } catch (const ibllm::Error&) {
    }
    return 0;
}
