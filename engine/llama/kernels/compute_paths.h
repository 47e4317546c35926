#pragma once
// The arithmetic each kind of product uses on this CPU, decided in one place from the CPU's
// features (and from the switches that force a path, so that tests and comparisons can run
// every path a machine can execute). Every product asks here: decode and prefill in every
// weight format, the ImageBind encoders and the bind network, training's frozen products.
//
// Switches (environment, read once; the force_* functions of kernel_isa.h override them):
//   IBLLM_QUANT_ISA=scalar|avx2|avx512   the integer and bf16 kernels' instruction set
//   IBLLM_NATIVE_BF16=0|1                whether bf16 products run as bf16 (oneDNN) or in float32
//   IBLLM_QUANT_PREFILL=integer|dense    how quantised weights multiply many rows at once
#include <cstdint>
#include <optional>
#include <string>

#include "engine/llama/kernels/kernel_isa.h"

namespace ibllm::quant {

struct CpuFeatures {
    bool avx2 = false, fma = false, f16c = false;
    bool avx_vnni = false;  // VEX-encoded VPDPBUSD (Alder Lake, Zen 5)
    bool avx512f = false, avx512bw = false, avx512vl = false, avx512_vnni = false, avx512_bf16 = false;
    bool amx_bf16 = false, amx_int8 = false;
};

const CpuFeatures& cpu_features();
// The features present, space-separated ("avx2 fma f16c avx512f ..."), or "none of the vector
// extensions used here".
std::string to_string(const CpuFeatures& features);

// How a product with quantised weights and many input rows (prefill) is multiplied.
enum class QuantPrefill {
    Integer,     // int8 activations times the stored integers (kernels of `kernels`), blocked
    DenseTiles,  // tiles of dequantised weights through at::linear (oneDNN bf16 where native)
};
std::string to_string(QuantPrefill path);

struct ComputePaths {
    KernelIsa kernels;           // integer dot products and the bf16 decode kernels
    bool native_bf16;            // bf16 matrix products in hardware (AVX-512 BF16, AMX)
    QuantPrefill quant_prefill;  // quantised weights from kDenseMinRows input rows on
};

// The decision now (cheap: the CPU is asked once; the forcing switches are re-read).
ComputePaths compute_paths();

// Forces the quantised prefill path (std::nullopt: the automatic choice again); for tests.
void force_quant_prefill(std::optional<QuantPrefill> path);

// Several lines for people: the CPU's features, then the path each kind of product takes.
// `compute_dtype_is_bf16`: whether the model's weights are bf16 (a real checkpoint) rather
// than float32 (the parity fixtures), which decides what "the bf16 path" means.
std::string describe_compute_paths(bool compute_dtype_is_bf16 = true);

}  // namespace ibllm::quant
