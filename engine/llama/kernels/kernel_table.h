#pragma once
// The kernel functions of one instruction set (internal to engine/llama/kernels).
#include "engine/llama/kernels/kernel_abi.h"
#include "engine/llama/kernels/kernel_isa.h"

namespace ibllm::quant {

struct KernelTable {
    abi::PrepareFn prepare;
    abi::RowsFn rows;
    abi::DequantizeFn dequantize;
    abi::QuantizeFn quantize;
    abi::Bf16RowsFn bf16_rows;
    abi::Bf16GemmFn bf16_gemm;
};

KernelTable kernels_for(KernelIsa isa);
inline KernelTable active_kernels() { return kernels_for(active_kernel_isa()); }

}  // namespace ibllm::quant
