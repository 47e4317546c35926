#pragma once
// Streaming linear-interpolation resampler for microphones that cannot record at 16 kHz
// natively. Output sample k sits at input position k * in_rate / out_rate, computed in
// integers so that feeding the input in any chunking gives exactly the same output. Linear
// interpolation does not low-pass before decimating, so content above 8 kHz aliases; for the
// speech and ambient sound a microphone feeds the audio encoder (whose mel bank tops out at
// 8 kHz) that is an acceptable trade for a resampler with no latency and no allocation.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ibllm::media {

class LinearResampler {
public:
    LinearResampler(int in_rate, int out_rate);

    // Appends the output samples that `n` more input samples make computable to `out`.
    void process(const float* in, size_t n, std::vector<float>& out);

    // Forgets all input (for a new recording).
    void reset();

    int in_rate() const { return in_rate_; }
    int out_rate() const { return out_rate_; }

private:
    int64_t in_rate_, out_rate_;
    int64_t next_output_ = 0;    // index k of the next output sample
    int64_t consumed_ = 0;       // input samples seen before the current chunk
    float previous_ = 0.0f;      // input sample consumed_ - 1
};

}  // namespace ibllm::media
