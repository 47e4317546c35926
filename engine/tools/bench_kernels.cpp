#include "engine/tools/bench_kernels.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <sstream>
#include <vector>

#include "engine/llama/llama_weights.h"
#include "engine/llama/kernels/compute_paths.h"
#include "engine/llama/kernels/quantized_linear.h"
#include "engine/llama/kernels/quantized_matrix.h"
#include "engine/tools/bench_scale.h"
#include "engine/tools/bench_system.h"

namespace ibllm::bench {

namespace {

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string item; std::getline(ss, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

// A projection as the engine holds it: bf16 weights, or quantised from the same values.
Linear make_linear(int64_t n, int64_t k, const std::string& format, uint64_t seed) {
    at::manual_seed(seed);
    const at::Tensor w = at::randn({n, k}, at::kFloat).mul_(0.02);
    Linear l;
    if (format == "bf16")
        l.weight = w.to(at::kBFloat16);
    else
        l.quantized = std::make_shared<quant::QuantizedMatrix>(
            quant::quantize_matrix(w, format == "int8" ? WeightFormat::Int8 : WeightFormat::Q4, at::kBFloat16));
    return l;
}

int64_t bytes_of(const Linear& l) {
    return l.quantized ? l.quantized->weight_bytes() : l.weight.numel() * l.weight.element_size();
}

double best_seconds(int repeats, const std::function<void()>& f) {
    f();  // warm: scratch buffers, thread pool, pages
    double best = 1e30;
    for (int r = 0; r < repeats; ++r) {
        const auto t = std::chrono::steady_clock::now();
        f();
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count());
    }
    return best;
}

}  // namespace

int run_kernels(const std::map<std::string, std::string>& options) {
    const BenchScale s = scale_named(options.count("scale") ? options.at("scale") : "1.3b");
    const std::vector<std::string> formats = split(options.count("formats") ? options.at("formats") : "bf16,int8,q4");
    const int repeats = options.count("repeat") ? std::max(1, std::stoi(options.at("repeat"))) : 5;
    const int threads = at::get_num_threads();
    const int64_t D = s.dim, F = s.ffn_hidden();

    const Bandwidth bw = measure_bandwidth(threads);
    std::printf("machine: %s, %d threads, kernels %s; load average %.2f\n", cpu_model().c_str(), threads,
                quant::to_string(quant::active_kernel_isa()).c_str(), load_average_1m());
    std::printf("%s", quant::describe_compute_paths(true).c_str());
    std::printf("memory bandwidth: %.1f GB/s streaming read, %.1f GB/s memcpy\n", bw.read_gbs, bw.copy_gbs);
    const double peak256 = measure_fma_peak_gflops(threads, 256), peak512 = measure_fma_peak_gflops(threads, 512);
    std::printf("float32 FMA peak, %d threads: %.0f GFLOP/s with AVX2", threads, peak256);
    if (peak512 > 0) std::printf(", %.0f with AVX-512", peak512);
    std::printf("\n");
    std::printf("shape %s: dim %lld, hidden %lld, %lld layers, vocab %lld\n\n", s.name.c_str(), (long long)D,
                (long long)F, (long long)s.layers, (long long)s.vocab);

    for (const std::string& fmt : formats) {
        if (fmt != "bf16" && fmt != "int8" && fmt != "q4") {
            std::fprintf(stderr, "ibllm-bench kernels: unknown format '%s' (bf16, int8 or q4)\n", fmt.c_str());
            return 2;
        }
        // Prefill: one matrix at the FFN's up-projection shape, several rows at once (compute-
        // bound), by the path the engine picks and, for the quantised formats, by each path.
        const Linear up = make_linear(F, D, fmt, 1);
        for (int64_t m : {16, 64, 256}) {
            const at::Tensor x = at::randn({m, D}, at::kFloat);
            auto gflops = [&](const std::function<void()>& f) { return 2.0 * m * D * F / best_seconds(repeats, f) / 1e9; };
            const double engine_path = gflops([&] { (void)up(x); });
            std::printf("%-5s prefill %3lld x %lld -> %lld, GFLOP/s: engine's path %6.1f (%.0f%% of the AVX2 FMA peak)", fmt.c_str(),
                        (long long)m, (long long)D, (long long)F, engine_path, peak256 > 0 ? 100.0 * engine_path / peak256 : 0.0);
            if (up.quantized)
                std::printf(" | integer %6.1f | dense tiles %6.1f",
                            gflops([&] { (void)quant::quantized_linear(x, *up.quantized, quant::MatmulPath::Integer); }),
                            gflops([&] { (void)quant::quantized_linear(x, *up.quantized, quant::MatmulPath::Dense); }));
            std::printf("\n");
        }

        // A matrix small enough to stay in the L2 cache, one row, on one thread: how fast the
        // kernel itself is. Decoding is memory-bound only if this is well above the read
        // bandwidth divided by the threads; otherwise the kernel's arithmetic is the limit.
        {
            const Linear small = make_linear(256, D, fmt, 2);
            const at::Tensor x = at::randn({1, D}, at::kFloat);
            const int threads_before = at::get_num_threads();
            at::set_num_threads(1);
            const double t = best_seconds(repeats * 50, [&] { (void)small(x); });
            at::set_num_threads(threads_before);
            std::printf("%-5s from cache, 1 x %lld -> 256, one thread: %.1f GB/s of weights (needs %.1f per thread "
                        "to reach the read bandwidth)\n",
                        fmt.c_str(), (long long)D, bytes_of(small) / t / 1e9, bw.read_gbs / threads);
        }

        // Every projection of every layer plus the output layer, one row each: the matrix
        // products of one decoded token, back to back, with nothing else.
        std::vector<LayerWeights> layers(s.layers);  // the projections only
        int64_t bytes = 0;
        for (int64_t i = 0; i < s.layers; ++i) {
            LayerWeights& l = layers[i];
            const uint64_t seed = 100 + 10 * i;
            l.wq = make_linear(D, D, fmt, seed), l.wk = make_linear(D, D, fmt, seed + 1);
            l.wv = make_linear(D, D, fmt, seed + 2), l.wo = make_linear(D, D, fmt, seed + 3);
            l.w1 = make_linear(F, D, fmt, seed + 4), l.w3 = make_linear(F, D, fmt, seed + 5);
            l.w2 = make_linear(D, F, fmt, seed + 6);
            for (const Linear* p : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w1, &l.w2, &l.w3}) bytes += bytes_of(*p);
        }
        const Linear output = make_linear(s.vocab, D, fmt, 7);
        bytes += bytes_of(output);
        const at::Tensor x = at::randn({1, D}, at::kFloat), h = at::randn({1, F}, at::kFloat);
        auto report = [&](const char* how, double t) {
            std::printf("%-5s all projections of one token, %s: %.1f ms = %.2f tokens/s, %.1f GB/s (%.0f%% of the read "
                        "bandwidth; bound %.2f tokens/s)\n",
                        fmt.c_str(), how, t * 1e3, 1.0 / t, bytes / t / 1e9, 100.0 * bytes / t / 1e9 / bw.read_gbs,
                        bw.read_gbs * 1e9 / bytes);
        };
        // Grouped as the transformer runs them (q/k/v and w1/w3 in one parallel region each),
        // and one projection at a time, interleaved so that both see the same machine.
        double grouped = 1e30, single = 1e30;
        for (int r = 0; r < 3; ++r) {
            grouped = std::min(grouped, best_seconds(repeats, [&] {
                for (const LayerWeights& l : layers) {
                    (void)apply_projections(x, {&l.wq, &l.wk, &l.wv});
                    (void)l.wo(x);
                    (void)apply_projections(x, {&l.w1, &l.w3});
                    (void)l.w2(h);
                }
                (void)output(x);
            }));
            single = std::min(single, best_seconds(repeats, [&] {
                for (const LayerWeights& l : layers) {
                    (void)l.wq(x), (void)l.wk(x), (void)l.wv(x), (void)l.wo(x);
                    (void)l.w1(x), (void)l.w3(x), (void)l.w2(h);
                }
                (void)output(x);
            }));
        }
        report("grouped", grouped);
        report("one by one", single);
        std::printf("\n");
    }
    return 0;
}

}  // namespace ibllm::bench
