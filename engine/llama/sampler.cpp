#include "engine/llama/sampler.h"

#include "engine/error.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/DistributionsHelper.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numeric>
#include <random>

namespace ibllm {
namespace {

void check_top_p(double p) {
    if (!(p >= 0.0 && p <= 1.0))
        throw Error("The top-p setting must be between 0 and 1; the default is 0.75.");
}

uint64_t random_seed() {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
}

const float* float_row(const at::Tensor& logits, at::Tensor& holder) {
    if (!logits.defined() || logits.numel() == 0 ||
        !(logits.dim() == 1 || (logits.dim() == 2 && logits.size(0) == 1)))
        throw Error("The model produced logits of an unexpected shape; the model files do not "
                    "match each other, check the LLaMA and adapter files.");
    holder = logits.scalar_type() == at::kFloat ? logits.contiguous()
                                                : logits.to(at::kFloat).contiguous();
    return holder.data_ptr<float>();
}

[[noreturn]] void throw_not_finite() {
    throw Error("The model produced invalid numbers (NaN) while generating; the model files "
                "are damaged or do not match, download them again.");
}

}  // namespace

at::Tensor top_p_distribution(const at::Tensor& probs, double p) {
    check_top_p(p);
    if (!probs.defined() || probs.numel() == 0 ||
        !(probs.dim() == 1 || (probs.dim() == 2 && probs.size(0) == 1)))
        throw Error("top-p sampling needs one row of probabilities.");
    const at::Tensor row = probs.to(at::kFloat);
    auto sorted = at::sort(row, -1, /*descending=*/true);
    at::Tensor values = std::get<0>(sorted);
    const at::Tensor& ids = std::get<1>(sorted);
    // float32 arithmetic and a float32 threshold, as the reference's tensor ops do.
    const at::Tensor mass_before = values.cumsum(-1) - values;
    values = values.masked_fill(mass_before > static_cast<float>(p), 0.0);
    values = values / values.sum(-1, /*keepdim=*/true);
    return at::zeros_like(row).scatter_(-1, ids, values);
}

Sampler::Sampler(double temperature, double top_p, std::optional<uint64_t> seed)
    : temperature_(temperature),
      top_p_(top_p),
      generator_(at::make_generator<at::CPUGeneratorImpl>(seed ? *seed : random_seed())) {
    if (!std::isfinite(temperature))
        throw Error("The temperature setting must be a number (0 for greedy decoding); the default is 0.1.");
    check_top_p(top_p);
}

int Sampler::argmax(const float* logits, int64_t n) const {
    // First index on ties, like torch.argmax.
    int64_t best = 0;
    for (int64_t i = 0; i < n; ++i) {
        if (std::isnan(logits[i])) throw_not_finite();
        if (logits[i] > logits[best]) best = i;
    }
    return static_cast<int>(best);
}

void Sampler::softmax_with_temperature(const float* logits, int64_t n) {
    probs_.resize(n);
    // logits / T in float32 as the reference (T is rounded to float like a tensor scalar).
    const float t = static_cast<float>(temperature_);
    float max_scaled = -INFINITY;
    for (int64_t i = 0; i < n; ++i) {
        if (std::isnan(logits[i])) throw_not_finite();
        probs_[i] = logits[i] / t;
        max_scaled = std::max(max_scaled, probs_[i]);
    }
    if (!std::isfinite(max_scaled)) throw_not_finite();
    double total = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        probs_[i] = std::exp(probs_[i] - max_scaled);
        total += probs_[i];
    }
    const double inv = 1.0 / total;
    for (int64_t i = 0; i < n; ++i) probs_[i] = static_cast<float>(probs_[i] * inv);
}

int64_t Sampler::sort_nucleus(int64_t n) {
    // Only the head of the distribution matters: sort it in growing chunks instead of
    // sorting the whole vocabulary. Ties go to the lower id so the order is deterministic.
    order_.resize(n);
    std::iota(order_.begin(), order_.end(), 0);
    const auto by_prob_desc = [this](int32_t a, int32_t b) {
        return probs_[a] > probs_[b] || (probs_[a] == probs_[b] && a < b);
    };
    const float threshold = static_cast<float>(top_p_);
    float cumsum = 0.0f;
    int64_t sorted = 0;
    while (sorted < n) {
        const int64_t chunk_end = std::min<int64_t>(n, std::max<int64_t>(64, 2 * sorted));
        std::partial_sort(order_.begin() + sorted, order_.begin() + chunk_end, order_.end(),
                          by_prob_desc);
        for (; sorted < chunk_end; ++sorted) {
            const float p = probs_[order_[sorted]];
            cumsum += p;
            if (cumsum - p > threshold) return sorted;  // this one and all after are dropped
        }
    }
    return n;
}

int Sampler::sample(const at::Tensor& logits) {
    at::Tensor holder;
    const float* data = float_row(logits, holder);
    const int64_t n = holder.numel();
    if (is_greedy()) return argmax(data, n);

    softmax_with_temperature(data, n);
    const int64_t kept = sort_nucleus(n);

    double kept_mass = 0.0;
    for (int64_t i = 0; i < kept; ++i) kept_mass += probs_[order_[i]];

    double u;
    {
        std::lock_guard<std::mutex> lock(generator_.mutex());
        at::uniform_real_distribution<double> uniform(0.0, 1.0);
        u = uniform(at::check_generator<at::CPUGeneratorImpl>(generator_)) * kept_mass;
    }
    double walked = 0.0;
    for (int64_t i = 0; i < kept; ++i) {
        walked += probs_[order_[i]];
        if (u < walked) return order_[i];
    }
    return order_[kept - 1];  // u rounded up to the total
}

}  // namespace ibllm
