#pragma once
// Which instruction set the quantised kernels run on: the best one the CPU has, chosen at run
// time, so one build runs on any x86-64 CPU. Tests and benchmarks can force a lower one.
#include <optional>
#include <string>
#include <vector>

namespace ibllm::quant {

enum class KernelIsa {
    Scalar,      // portable C++
    Avx2,        // AVX2 + FMA + F16C
    Avx512Vnni,  // AVX-512 F/BW/VL + VNNI (+ FMA, F16C)
};

std::string to_string(KernelIsa isa);

// Every instruction set this CPU can run, Scalar first.
std::vector<KernelIsa> supported_kernel_isas();
KernelIsa best_kernel_isa();

// The instruction set the kernels use now: the forced one, else the environment variable
// IBLLM_QUANT_ISA (scalar, avx2, avx512; for comparing on one machine), else the best.
KernelIsa active_kernel_isa();

// Whether the CPU multiplies bf16 matrices in hardware (AVX-512 BF16; every AMX CPU has it
// too). Without it oneDNN's bf16 products run a slow generic path (about 1 GFLOP/s on a
// Zen 2 core, against 50 GFLOP/s for float32), so large bf16 products are better done in
// float32 from the bf16 weights. IBLLM_NATIVE_BF16=0/1 overrides the answer.
bool has_native_bf16_matmul();
// Makes has_native_bf16_matmul() answer `native` (std::nullopt: the CPU's answer again), so
// that tests cover both training paths on any machine.
void force_native_bf16_matmul(std::optional<bool> native);

// Forces an instruction set (std::nullopt: back to automatic). Throws Error when the CPU
// cannot run it. Not meant to be called while a kernel runs on another thread.
void force_kernel_isa(std::optional<KernelIsa> isa);

}  // namespace ibllm::quant
