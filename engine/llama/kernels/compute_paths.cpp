#include "engine/llama/kernels/compute_paths.h"

#include <atomic>
#include <cstdlib>
#include <sstream>

namespace ibllm::quant {

namespace {

CpuFeatures read_cpu_features() {
    CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
    // libgcc reports the AVX-512 and AMX features only where the OS saves their registers.
    f.avx2 = __builtin_cpu_supports("avx2");
    f.fma = __builtin_cpu_supports("fma");
    f.f16c = __builtin_cpu_supports("f16c");
    f.avx_vnni = __builtin_cpu_supports("avxvnni");
    f.avx512f = __builtin_cpu_supports("avx512f");
    f.avx512bw = __builtin_cpu_supports("avx512bw");
    f.avx512vl = __builtin_cpu_supports("avx512vl");
    f.avx512_vnni = __builtin_cpu_supports("avx512vnni");
    f.avx512_bf16 = __builtin_cpu_supports("avx512bf16");
    f.amx_bf16 = __builtin_cpu_supports("amx-bf16");
    f.amx_int8 = __builtin_cpu_supports("amx-int8");
#endif
    return f;
}

// -1: automatic; otherwise a QuantPrefill value.
std::atomic<int> g_forced_prefill{-1};

std::optional<QuantPrefill> prefill_from_environment() {
    const char* v = std::getenv("IBLLM_QUANT_PREFILL");
    if (!v) return std::nullopt;
    const std::string s(v);
    if (s == "integer") return QuantPrefill::Integer;
    if (s == "dense") return QuantPrefill::DenseTiles;
    return std::nullopt;
}

}  // namespace

const CpuFeatures& cpu_features() {
    static const CpuFeatures features = read_cpu_features();
    return features;
}

std::string to_string(const CpuFeatures& f) {
    std::string out;
    auto add = [&](bool present, const char* name) {
        if (!present) return;
        if (!out.empty()) out += ' ';
        out += name;
    };
    add(f.avx2, "avx2");
    add(f.fma, "fma");
    add(f.f16c, "f16c");
    add(f.avx_vnni, "avx-vnni");
    add(f.avx512f, "avx512f");
    add(f.avx512bw, "avx512bw");
    add(f.avx512vl, "avx512vl");
    add(f.avx512_vnni, "avx512-vnni");
    add(f.avx512_bf16, "avx512-bf16");
    add(f.amx_bf16, "amx-bf16");
    add(f.amx_int8, "amx-int8");
    return out.empty() ? "none of the vector extensions used here" : out;
}

std::string to_string(QuantPrefill path) { return path == QuantPrefill::Integer ? "integer" : "dense tiles"; }

ComputePaths compute_paths() {
    ComputePaths p;
    p.kernels = active_kernel_isa();
    p.native_bf16 = has_native_bf16_matmul();
    // The integer kernels, blocked over the tokens, multiply prefill faster than dequantised
    // tiles through at::linear, even where oneDNN has AVX-512 BF16 (two Zen 4 cores, 1.3B
    // shape: int8 344 / q4 359 GFLOP/s at 64 rows against 190 / 239 for bf16 tiles, equal at
    // 256 rows); without bf16 instructions the tiles could only be float32 (AVX2: 211 / 282
    // integer against 61 / 46). AMX multiplies bf16 tiles several times faster than any of
    // these, and the portable scalar kernels are slow: there the tiles win.
    QuantPrefill automatic = (p.native_bf16 && cpu_features().amx_bf16) || p.kernels == KernelIsa::Scalar
                                 ? QuantPrefill::DenseTiles
                                 : QuantPrefill::Integer;
    static const std::optional<QuantPrefill> from_env = prefill_from_environment();
    if (from_env) automatic = *from_env;
    const int forced = g_forced_prefill.load(std::memory_order_relaxed);
    p.quant_prefill = forced >= 0 ? static_cast<QuantPrefill>(forced) : automatic;
    return p;
}

void force_quant_prefill(std::optional<QuantPrefill> path) {
    g_forced_prefill.store(path ? static_cast<int>(*path) : -1, std::memory_order_relaxed);
}

std::string describe_compute_paths(bool compute_dtype_is_bf16) {
    const ComputePaths p = compute_paths();
    const std::string isa = to_string(p.kernels);
    const char* bf16_products = p.native_bf16 ? "bf16 (oneDNN)" : "float32 from bf16 weights widened on load";
    std::ostringstream s;
    s << "CPU features: " << to_string(cpu_features()) << "\n";
    s << "decode, int8/q4 weights: integer dot products (" << isa << ")\n";
    s << "decode, bf16 weights: float32 from bf16 (" << isa << ")\n";
    s << "prefill, int8/q4 weights: "
      << (p.quant_prefill == QuantPrefill::Integer
              ? "integer, blocked over tokens (" + isa + ")"
              : std::string("dequantised tiles in ") + (compute_dtype_is_bf16 && p.native_bf16 ? "bf16 (oneDNN)" : "float32 (BLAS)"))
      << "\n";
    s << "prefill, bf16 weights: " << (compute_dtype_is_bf16 ? bf16_products : "float32 (BLAS)") << "\n";
    s << "ImageBind encoders and bind network: " << (compute_dtype_is_bf16 && p.native_bf16 ? "bf16 (oneDNN)" : "float32") << "\n";
    s << "training, frozen bf16 weights: " << bf16_products << "\n";
    return s.str();
}

}  // namespace ibllm::quant
