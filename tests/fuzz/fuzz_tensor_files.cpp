// libFuzzer harness: the tensor files the product reads itself (engine/checkpoint), each given
// the same bytes as a mapped file: .pth as a whole (zip, the restricted unpickler, the storage
// records), safetensors and .npy. Any input must give tensors whose bytes lie inside the file,
// or an ibllm::Error naming it; every tensor's first and last element is read to prove it.
#include <ATen/ATen.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/checkpoint/npy.h"
#include "engine/checkpoint/pth_reader.h"
#include "engine/checkpoint/safetensors.h"
#include "engine/error.h"
#include "touch_values.h"
#include "memory_file.h"


extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const MemoryFile file(data, size);
    if (!file.ok()) return 0;
    const std::string path = file.path();
    (void)ibllm::looks_like_safetensors(data, size);
    survive<ibllm::Error>([&] { touch(ibllm::read_pth(path).root); });
    survive<ibllm::Error>([&] {
        for (const auto& [name, t] : ibllm::read_safetensors(path).tensors) touch(t);
    });
    survive<ibllm::Error>([&] { touch(ibllm::read_npy(path)); });
    return 0;
}
