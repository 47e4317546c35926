#include "engine/world/solid_sound.h"

#include <algorithm>
#include <cmath>

namespace ibllm::world {

namespace {
constexpr double kPi = 3.14159265358979323846;
}

SoundSpec random_sound(std::mt19937_64& rng, double tone_hz) {
    std::uniform_real_distribution<double> u(0, 1);
    auto in = [&](double a, double b) { return a + (b - a) * u(rng); };
    SoundSpec s;
    s.frequency = tone_hz * in(0.97, 1.03);
    const int rates[] = {16000, 22050, 24000, 32000, 44100, 48000};
    s.sample_rate = rates[std::uniform_int_distribution<int>(0, 5)(rng)];
    s.channels = u(rng) < 0.7 ? 1 : 2;
    s.seconds = in(1.5, 4.0);
    s.peak = in(0.2, 0.8);
    s.fade_s = in(0.010, 0.030);
    s.snr_db = in(20, 40);
    return s;
}

Sound synthesize_solid(Shape shape, const SoundSpec& spec, uint64_t noise_seed) {
    const int n = static_cast<int>(std::lround(spec.seconds * spec.sample_rate));
    const double nyquist = 0.5 * spec.sample_rate;
    std::vector<double> x(n);
    double phase = 0;  // of the fundamental, in cycles (the vibrato changes its speed)
    for (int i = 0; i < n; ++i) {
        const double t = double(i) / spec.sample_rate;
        double f = spec.frequency;
        if (shape == Shape::Torus) f *= 1 + 0.03 * std::sin(2 * kPi * 5 * t);
        double v = 0;
        auto harmonics = [&](bool odd_only, bool inverse_square) {
            for (int k = 1; k * spec.frequency < nyquist; ++k) {
                if (odd_only && k % 2 == 0) continue;
                const double a = inverse_square ? 1.0 / (k * k) : 1.0 / k;
                // A triangle wave's odd harmonics alternate in sign.
                const double sign = inverse_square && ((k - 1) / 2) % 2 == 1 ? -1.0 : 1.0;
                v += sign * a * std::sin(2 * kPi * k * phase);
            }
        };
        switch (shape) {
            case Shape::Sphere:
            case Shape::Torus:
            case Shape::Cylinder: v = std::sin(2 * kPi * phase); break;
            case Shape::Cube: harmonics(true, false); break;
            case Shape::Pyramid: harmonics(true, true); break;
            case Shape::Cone: harmonics(false, false); break;
        }
        if (shape == Shape::Cylinder) v *= 1 - 0.8 * (0.5 + 0.5 * std::sin(2 * kPi * 6 * t));
        x[i] = v;
        phase += f / spec.sample_rate;
    }
    // Peak, fades, then the noise relative to the signal's power.
    double peak = 0;
    for (double v : x) peak = std::max(peak, std::abs(v));
    const int fade = std::max(1, static_cast<int>(spec.fade_s * spec.sample_rate));
    double power = 0;
    for (int i = 0; i < n; ++i) {
        double g = spec.peak / peak;
        if (i < fade) g *= double(i) / fade;
        if (n - 1 - i < fade) g *= double(n - 1 - i) / fade;
        x[i] *= g;
        power += x[i] * x[i];
    }
    const double noise_rms = std::sqrt(power / n) * std::pow(10.0, -spec.snr_db / 20);
    std::mt19937_64 rng(noise_seed);
    std::normal_distribution<double> noise(0.0, noise_rms);
    Sound s;
    s.sample_rate = spec.sample_rate;
    s.channels = spec.channels;
    std::vector<double> y(static_cast<size_t>(n) * spec.channels);
    double loudest = 0;
    for (int i = 0; i < n; ++i)
        for (int c = 0; c < spec.channels; ++c) {
            const double v = x[i] + noise(rng);
            y[static_cast<size_t>(i) * spec.channels + c] = v;
            loudest = std::max(loudest, std::abs(v));
        }
    // The peak of what is written, noise included, is the spec's.
    s.samples.resize(y.size());
    for (size_t i = 0; i < y.size(); ++i) s.samples[i] = static_cast<float>(y[i] * spec.peak / loudest);
    return s;
}

}  // namespace ibllm::world
