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

// Forces an instruction set (std::nullopt: back to automatic). Throws Error when the CPU
// cannot run it. Not meant to be called while a kernel runs on another thread.
void force_kernel_isa(std::optional<KernelIsa> isa);

}  // namespace ibllm::quant
