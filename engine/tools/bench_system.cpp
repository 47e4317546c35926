#include "engine/tools/bench_system.h"

#include <cstdio>

#include <sys/mman.h>
#include <sys/statvfs.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

namespace ibllm::bench {

namespace {

// A value in kB from a "Key:   1234 kB" line of a /proc file; -1 when absent.
double proc_kib(const char* file, const std::string& key) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        if (line.compare(0, key.size(), key) != 0 || line.size() <= key.size() || line[key.size()] != ':') continue;
        std::istringstream fields(line.substr(key.size() + 1));
        double kib = -1;
        fields >> kib;
        return kib;
    }
    return -1;
}

constexpr double kKibPerGib = 1024.0 * 1024.0;

// The read loop streams its memory as the decode kernels stream their weights, so that the
// bound is what a weight stream can reach: the widest vectors the CPU has (chosen when the
// program starts; with 16-byte SSE2 loads two cores read about 20% less than with AVX-512
// loads), software prefetch 1 KB ahead, and huge pages (measure_bandwidth). Without the last
// two, decoding had streamed its weights faster than the "bound" (123% of it, 1.3B bf16 with
// the AVX2 kernels on two Zen 4 cores).
__attribute__((target_clones("avx512f", "avx2", "default"))) uint64_t sum_words(const uint64_t* p, size_t n) {
    uint64_t a = 0, b = 0, c = 0, d = 0;  // independent sums: the loop is load-bound, not add-bound
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __builtin_prefetch(p + i + 128);
        a += p[i] + p[i + 4], b += p[i + 1] + p[i + 5], c += p[i + 2] + p[i + 6], d += p[i + 3] + p[i + 7];
    }
    for (; i < n; ++i) a += p[i];
    return a + b + c + d;
}

// `bytes` of memory in 2 MiB-aligned blocks advised for transparent huge pages, as the
// weights live (engine/llama/kernels/weight_memory.h).
void* huge_page_buffer(size_t bytes) {
    constexpr size_t kHuge = size_t(2) << 20;
    void* p = std::aligned_alloc(kHuge, (bytes + kHuge - 1) / kHuge * kHuge);
#ifdef MADV_HUGEPAGE
    if (p) ::madvise(p, (bytes + kHuge - 1) / kHuge * kHuge, MADV_HUGEPAGE);
#endif
    return p;
}

}  // namespace

Bandwidth measure_bandwidth(int threads, size_t bytes, int repeats) {
    threads = std::max(1, threads);
    bytes -= bytes % (4096 * static_cast<size_t>(threads));
    struct Free {
        void operator()(void* p) const { std::free(p); }
    };
    std::unique_ptr<char, Free> src(static_cast<char*>(huge_page_buffer(bytes)));
    std::unique_ptr<char, Free> dst(static_cast<char*>(huge_page_buffer(bytes)));
    if (!src || !dst) return {};
    std::memset(src.get(), 1, bytes);
    std::memset(dst.get(), 2, bytes);
    const size_t share = bytes / threads;

    // Best wall time of `work(thread index)` run on every thread at once.
    auto best_time = [&](const std::function<void(int)>& work) {
        double best = 1e30;
        for (int r = 0; r < repeats; ++r) {
            const auto t0 = std::chrono::steady_clock::now();
            std::vector<std::thread> workers;
            for (int k = 0; k < threads; ++k) workers.emplace_back(work, k);
            for (std::thread& w : workers) w.join();
            best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
        return best;
    };

    std::vector<uint64_t> sums(threads);
    const double read_s = best_time([&](int k) {
        // The sums are kept, so the loads cannot be optimised away.
        sums[k] = sum_words(reinterpret_cast<const uint64_t*>(src.get() + k * share), share / sizeof(uint64_t));
    });
    const double copy_s = best_time([&](int k) { std::memcpy(dst.get() + k * share, src.get() + k * share, share); });
    volatile uint64_t sink = 0;
    for (uint64_t v : sums) sink = sink + v;

    Bandwidth b;
    b.read_gbs = static_cast<double>(bytes) / read_s / 1e9;
    b.copy_gbs = static_cast<double>(bytes) / copy_s / 1e9;
    return b;
}

namespace {

// 12 independent accumulators: a 4-cycle FMA latency times two pipes needs at least 8.
constexpr int kFmaChains = 12;

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2,fma"))) float fma_chains_256(int64_t iterations) {
    __m256 acc[kFmaChains];
    for (int i = 0; i < kFmaChains; ++i) acc[i] = _mm256_set1_ps(0.001f * static_cast<float>(i));
    const __m256 mul = _mm256_set1_ps(0.999999f), add = _mm256_set1_ps(1e-7f);
    for (int64_t it = 0; it < iterations; ++it)
        for (int i = 0; i < kFmaChains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], mul, add);
    __m256 sum = acc[0];
    for (int i = 1; i < kFmaChains; ++i) sum = _mm256_add_ps(sum, acc[i]);
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, sum);
    return lanes[0];
}

__attribute__((target("avx512f"))) float fma_chains_512(int64_t iterations) {
    __m512 acc[kFmaChains];
    for (int i = 0; i < kFmaChains; ++i) acc[i] = _mm512_set1_ps(0.001f * static_cast<float>(i));
    const __m512 mul = _mm512_set1_ps(0.999999f), add = _mm512_set1_ps(1e-7f);
    for (int64_t it = 0; it < iterations; ++it)
        for (int i = 0; i < kFmaChains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], mul, add);
    __m512 sum = acc[0];
    for (int i = 1; i < kFmaChains; ++i) sum = _mm512_add_ps(sum, acc[i]);
    alignas(64) float lanes[16];
    _mm512_store_ps(lanes, sum);
    return lanes[0];
}
#endif

}  // namespace

double measure_fma_peak_gflops(int threads, int vector_bits) {
#if defined(__x86_64__) || defined(__i386__)
    const bool ok = vector_bits == 512 ? __builtin_cpu_supports("avx512f")
                                       : (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"));
    if (!ok) return 0;
    threads = std::max(1, threads);
    const int64_t iterations = 2'000'000;  // 24 M FMAs per thread: some 10 ms
    std::vector<float> sinks(threads);
    double best = 1e30;
    for (int r = 0; r < 5; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        std::vector<std::thread> workers;
        for (int k = 0; k < threads; ++k)
            workers.emplace_back([&, k] { sinks[k] = vector_bits == 512 ? fma_chains_512(iterations) : fma_chains_256(iterations); });
        for (std::thread& w : workers) w.join();
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    volatile float sink = 0;
    for (float v : sinks) sink = sink + v;
    const double flops = 2.0 * kFmaChains * (vector_bits / 32) * static_cast<double>(iterations) * threads;
    return flops / best / 1e9;
#else
    return 0;
#endif
}

double peak_rss_gib() {
    const double kib = proc_kib("/proc/self/status", "VmHWM");
    return kib < 0 ? 0.0 : kib / kKibPerGib;
}

bool reset_peak_rss() {
    std::FILE* f = std::fopen("/proc/self/clear_refs", "w");
    if (!f) return false;
    const bool ok = std::fputs("5", f) >= 0;
    return std::fclose(f) == 0 && ok;
}

double available_memory_gib() {
    const double kib = proc_kib("/proc/meminfo", "MemAvailable");
    return kib < 0 ? 0.0 : kib / kKibPerGib;
}

double total_memory_gib() {
    const double kib = proc_kib("/proc/meminfo", "MemTotal");
    return kib < 0 ? 0.0 : kib / kKibPerGib;
}

uint64_t free_disk_bytes(const std::string& path) {
    std::filesystem::path p(path);
    std::error_code ec;
    while (!p.empty() && !std::filesystem::exists(p, ec)) p = p.parent_path();
    struct statvfs st {};
    if (statvfs(p.empty() ? "/" : p.c_str(), &st) != 0) return 0;
    return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

double load_average_1m() {
    std::ifstream in("/proc/loadavg");
    double v = -1;
    in >> v;
    return in ? v : -1.0;
}

std::string cpu_model() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) != 0) continue;
        const size_t colon = line.find(':');
        if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
    return "unknown CPU";
}

int64_t monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

double seconds_since_ns(int64_t start_ns) { return static_cast<double>(monotonic_ns() - start_ns) / 1e9; }

}  // namespace ibllm::bench
