#include "engine/llama/kernels/kernel_isa.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>

#include "engine/error.h"

namespace ibllm::quant {

namespace {

bool cpu_has_avx2() {
#if defined(__x86_64__) || defined(__i386__)
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
#else
    return false;
#endif
}

bool cpu_has_avx512_vnni() {
#if defined(__x86_64__) || defined(__i386__)
    // libgcc only reports AVX-512 when the OS saves the 512-bit registers (XCR0).
    return cpu_has_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
#else
    return false;
#endif
}

// -1: automatic; otherwise a KernelIsa value.
std::atomic<int> g_forced{-1};

std::optional<KernelIsa> isa_from_environment() {
    const char* v = std::getenv("IBLLM_QUANT_ISA");
    if (!v || !*v) return std::nullopt;
    const std::string s(v);
    std::optional<KernelIsa> isa;
    if (s == "scalar") isa = KernelIsa::Scalar;
    if (s == "avx2") isa = KernelIsa::Avx2;
    if (s == "avx512") isa = KernelIsa::Avx512Vnni;
    const auto ok = supported_kernel_isas();
    if (!isa || std::find(ok.begin(), ok.end(), *isa) == ok.end()) return std::nullopt;  // ignore what cannot run
    return isa;
}

}  // namespace

std::string to_string(KernelIsa isa) {
    switch (isa) {
        case KernelIsa::Scalar: return "scalar";
        case KernelIsa::Avx2: return "avx2";
        case KernelIsa::Avx512Vnni: return "avx512-vnni";
    }
    return "scalar";
}

namespace {
std::atomic<int> g_forced_native_bf16{-1};  // -1: not forced
}

bool has_native_bf16_matmul() {
    if (const int forced = g_forced_native_bf16.load(); forced >= 0) return forced == 1;
    static const bool native = [] {
        if (const char* env = std::getenv("IBLLM_NATIVE_BF16")) return std::string(env) == "1";
        return static_cast<bool>(__builtin_cpu_supports("avx512bf16"));
    }();
    return native;
}

void force_native_bf16_matmul(std::optional<bool> native) { g_forced_native_bf16.store(native ? (*native ? 1 : 0) : -1); }

std::vector<KernelIsa> supported_kernel_isas() {
    std::vector<KernelIsa> out{KernelIsa::Scalar};
    if (cpu_has_avx2()) out.push_back(KernelIsa::Avx2);
    if (cpu_has_avx512_vnni()) out.push_back(KernelIsa::Avx512Vnni);
    return out;
}

KernelIsa best_kernel_isa() {
    static const KernelIsa best = supported_kernel_isas().back();
    return best;
}

KernelIsa active_kernel_isa() {
    const int forced = g_forced.load(std::memory_order_relaxed);
    if (forced >= 0) return static_cast<KernelIsa>(forced);
    static const std::optional<KernelIsa> from_env = isa_from_environment();
    return from_env ? *from_env : best_kernel_isa();
}

void force_kernel_isa(std::optional<KernelIsa> isa) {
    if (isa) {
        const auto ok = supported_kernel_isas();
        if (std::find(ok.begin(), ok.end(), *isa) == ok.end())
            throw Error("This CPU cannot run the " + to_string(*isa) + " kernels; choose one of the supported instruction sets.");
    }
    g_forced.store(isa ? static_cast<int>(*isa) : -1, std::memory_order_relaxed);
}

}  // namespace ibllm::quant
