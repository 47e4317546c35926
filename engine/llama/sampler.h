#pragma once
// Next-token choice: greedy at temperature 0, otherwise temperature + nucleus (top-p)
// sampling with the reference's mask rule, from a seedable generator.
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace ibllm {

// The reference sample_top_p's distribution before its multinomial draw, in id order:
// sort descending, drop sorted token j iff (cumsum_j - p_j) > p (a token is kept while the
// mass strictly before it is <= p, so the first is always kept), renormalise.
// `probs` is [n] or [1, n]; the result has the same shape, float32.
at::Tensor top_p_distribution(const at::Tensor& probs, double p);

class Sampler {
public:
    // temperature <= 0 selects greedy decoding; top_p in [0, 1]. Without a seed the
    // generator is seeded from std::random_device. Throws ibllm::Error on invalid settings.
    Sampler(double temperature, double top_p, std::optional<uint64_t> seed = std::nullopt);

    // Picks the next token id from one row of logits ([vocab] or [1, vocab]).
    int sample(const at::Tensor& logits);

    bool is_greedy() const { return temperature_ <= 0.0; }
    double temperature() const { return temperature_; }
    double top_p() const { return top_p_; }

private:
    int argmax(const float* logits, int64_t n) const;
    void softmax_with_temperature(const float* logits, int64_t n);
    int64_t sort_nucleus(int64_t n);

    double temperature_;
    double top_p_;
    at::Generator generator_;
    // Reused across calls: sample() runs once per generated token.
    std::vector<float> probs_;
    std::vector<int32_t> order_;
};

}  // namespace ibllm
