#include "media/capture/linear_resampler.h"

#include <stdexcept>

namespace ibllm::media {

LinearResampler::LinearResampler(int in_rate, int out_rate) : in_rate_(in_rate), out_rate_(out_rate) {
    if (in_rate <= 0 || out_rate <= 0) throw std::invalid_argument("LinearResampler: rates must be positive");
}

void LinearResampler::reset() {
    next_output_ = 0;
    consumed_ = 0;
    previous_ = 0.0f;
}

void LinearResampler::process(const float* in, size_t n, std::vector<float>& out) {
    if (n == 0) return;
    const int64_t end = consumed_ + static_cast<int64_t>(n);  // one past the last input index
    // Input sample i (absolute index) lives at in[i - consumed_], or is previous_ for
    // i == consumed_ - 1 (the last sample of the previous chunk).
    const auto sample = [&](int64_t i) { return i < consumed_ ? previous_ : in[i - consumed_]; };
    while (true) {
        const int64_t numerator = next_output_ * in_rate_;
        const int64_t left = numerator / out_rate_;
        const int64_t remainder = numerator % out_rate_;
        if (left + 1 >= end && !(remainder == 0 && left < end)) break;  // needs input not yet seen
        const float a = sample(left);
        const float value = remainder == 0
                                ? a
                                : a + (sample(left + 1) - a) * static_cast<float>(static_cast<double>(remainder) /
                                                                                   static_cast<double>(out_rate_));
        out.push_back(value);
        ++next_output_;
    }
    previous_ = in[n - 1];
    consumed_ = end;
}

}  // namespace ibllm::media
