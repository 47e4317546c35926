#include "engine/llama/kernels/kernel_table.h"

namespace ibllm::quant {

KernelTable kernels_for(KernelIsa isa) {
    switch (isa) {
        case KernelIsa::Avx512Vnni:
            return {abi::prepare_avx512, abi::rows_avx512, abi::dequantize_avx512, abi::quantize_avx512, abi::bf16_rows_avx512,
                    abi::bf16_gemm_avx2};  // AVX-512 CPUs without bf16 instructions: the AVX2 prefill
        case KernelIsa::Avx2: return {abi::prepare_avx2, abi::rows_avx2, abi::dequantize_avx2, abi::quantize_avx2, abi::bf16_rows_avx2, abi::bf16_gemm_avx2};
        case KernelIsa::Scalar: break;
    }
    return {abi::prepare_scalar, abi::rows_scalar, abi::dequantize_scalar, abi::quantize_scalar, abi::bf16_rows_scalar, abi::bf16_gemm_scalar};
}

}  // namespace ibllm::quant
