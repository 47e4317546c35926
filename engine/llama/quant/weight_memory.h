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

namespace ibllm::quant {

// Below this a tensor is allocated normally: a huge page would be mostly empty.
constexpr int64_t kWeightMemoryMinBytes = int64_t(2) << 20;

// An uninitialised contiguous tensor, in huge-page memory when it is large.
at::Tensor empty_weight_tensor(at::IntArrayRef sizes, at::ScalarType dtype);

// A contiguous copy of `t` converted to `dtype`, in huge-page memory when it is large.
at::Tensor copy_to_weight_memory(const at::Tensor& t, at::ScalarType dtype);
inline at::Tensor copy_to_weight_memory(const at::Tensor& t) { return copy_to_weight_memory(t, t.scalar_type()); }

// True when the tensor's storage is memory of empty_weight_tensor (for the tests).
bool in_weight_memory(const at::Tensor& t);

}  // namespace ibllm::quant
