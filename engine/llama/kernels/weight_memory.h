#pragma once
// Memory for the matrices that decoding streams once per token.
//
// A decoded token reads every weight once, so the time per token is set by how fast the cores
// can stream the weights from memory. With 4 KiB pages that stream takes a TLB miss every
// 4 KiB; in 2 MiB pages (transparent huge pages, asked for with MADV_HUGEPAGE) it takes one
// per 2 MiB. Measured on the development machine (docs/performance.md), LLaMA-7B decoding
// ran 10-15% faster from such memory than from the mapped quantised-weights cache file
// (page-cache pages) or plain heap memory. So the decode weights are copied into it once at
// load, and the mapping's pages released as each matrix is copied (the peak RSS stays that
// of the weights). Where the kernel gives no huge pages (THP off), it is ordinary memory.
#include <ATen/core/Tensor.h>

#include <cstddef>

namespace ibllm::quant {

// Below this a tensor is allocated normally: a huge page would be mostly empty.
constexpr int64_t kWeightMemoryMinBytes = int64_t(2) << 20;

// While an arena lives on a thread, empty_weight_tensor and copy_to_weight_memory on that
// thread place tensors of kArenaMinBytes or more one after another in shared huge-page
// chunks (64-byte aligned), instead of each in a mapping of its own rounded up to 2 MiB. So
// a quantised matrix's scales (a few hundred KiB, which alone would sit in 4 KiB pages, each a
// TLB miss and a restart of the hardware prefetcher as the kernels stream them) share the
// huge pages of the weights around them, and nothing is rounded up but a chunk's last huge
// page (pages are resident only where written). Measured on the development machine, 1.3B
// q4 decode (ibllm-cli, 128 tokens), interleaved runs: 33.7 / 35.4 / 34.3 tokens/s with the
// arena, 32.4 / 32.5 / 33.9 without, and 33 MB less resident. The model loader holds one for
// the whole load; a chunk is unmapped when the arena and every tensor placed in it are gone.
constexpr int64_t kArenaMinBytes = int64_t(4) << 10;
constexpr size_t kArenaChunkBytes = size_t(64) << 20;

struct WeightMapping;  // one huge-page mapping (weight_memory.cpp)

class WeightMemoryArena {
public:
    WeightMemoryArena();
    ~WeightMemoryArena();
    WeightMemoryArena(const WeightMemoryArena&) = delete;
    WeightMemoryArena& operator=(const WeightMemoryArena&) = delete;

private:
    friend at::Tensor empty_weight_tensor(at::IntArrayRef sizes, at::ScalarType dtype);
    WeightMemoryArena* previous_;     // the arena this one hides on its thread, if any
    WeightMapping* chunk_ = nullptr;  // where the next tensor goes
};

// An uninitialised contiguous tensor, in huge-page memory when it is large (or in the thread's
// arena, see above).
at::Tensor empty_weight_tensor(at::IntArrayRef sizes, at::ScalarType dtype);

// A contiguous copy of `t` converted to `dtype`, in huge-page memory when it is large.
at::Tensor copy_to_weight_memory(const at::Tensor& t, at::ScalarType dtype);
inline at::Tensor copy_to_weight_memory(const at::Tensor& t) { return copy_to_weight_memory(t, t.scalar_type()); }

// True when the tensor's storage is memory of empty_weight_tensor (for the tests).
bool in_weight_memory(const at::Tensor& t);

}  // namespace ibllm::quant
