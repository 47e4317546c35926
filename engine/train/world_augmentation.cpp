// The augmentations `train imagebind --augment` draws for each use of a file, as far as the
// solids world's spec leaves room: a camera framing a little differently and seeing the solid
// mirrored, a sound recorded louder or softer in a noisier room, a scan with other noise and
// other points.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "engine/engine.h"
#include "engine/error.h"

namespace ibllm {

namespace {

// A solid turned uniformly at random looks the same mirrored (all six shapes are mirror
// symmetric), the light stays within 60 degrees of the view, and a vertically graded
// background stays vertically graded: left-right and upside-down mirrors (and both: a half
// turn) are views the spec allows. A quarter turn would grade the background sideways.
void mirror_image(ImageInput& image, std::mt19937_64& rng) {
    const bool left_right = rng() & 1, upside_down = rng() & 1;
    if (!left_right && !upside_down) return;
    const int w = image.width, h = image.height;
    std::vector<uint8_t> out(image.rgb.size());
    for (int y = 0; y < h; ++y) {
        const int sy = upside_down ? h - 1 - y : y;
        for (int x = 0; x < w; ++x) {
            const int sx = left_right ? w - 1 - x : x;
            std::copy_n(&image.rgb[(size_t(sy) * w + sx) * 3], 3, &out[(size_t(y) * w + x) * 3]);
        }
    }
    image.rgb = std::move(out);
}

void augment_audio(AudioInput& audio, std::mt19937_64& rng) {
    if (audio.samples.empty()) return;
    double power = 0;
    for (float s : audio.samples) power += static_cast<double>(s) * s;
    const double rms = std::sqrt(power / static_cast<double>(audio.samples.size()));
    // The spec's peak range is 0.2-0.8 and its noise 20-40 dB below the signal: a gain of
    // 0.6-1.4 and fresh white noise 25-45 dB down stay inside what a recording may be.
    const double gain = std::uniform_real_distribution<double>(0.6, 1.4)(rng);
    const double noise_db = std::uniform_real_distribution<double>(25.0, 45.0)(rng);
    std::normal_distribution<double> noise(0.0, rms * gain * std::pow(10.0, -noise_db / 20.0));
    for (float& s : audio.samples) s = static_cast<float>(std::clamp(s * gain + noise(rng), -1.0, 1.0));
}

void augment_points(PointInput& points, std::mt19937_64& rng) {
    const size_t n = points.xyz.size() / 3;
    if (n < 2) return;
    // Jitter relative to the cloud's size (the spec's sigma 0.005 is on a solid of about 1).
    double lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < n; ++i)
        for (int d = 0; d < 3; ++d) lo[d] = std::min(lo[d], points.xyz[i * 3 + d]), hi[d] = std::max(hi[d], points.xyz[i * 3 + d]);
    const double extent = std::max({hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2], 1e-9});
    std::normal_distribution<double> jitter(0.0, 0.005 * extent);
    // Resampling: a random 90% of the points, in random order.
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t{0});
    std::shuffle(order.begin(), order.end(), rng);
    order.resize(std::max<size_t>(1, n * 9 / 10));
    std::vector<double> out;
    out.reserve(order.size() * 3);
    for (size_t i : order)
        for (int d = 0; d < 3; ++d) out.push_back(points.xyz[i * 3 + d] + jitter(rng));
    points.xyz = std::move(out);
}

}  // namespace

EncoderInput augment_world_input(const EncoderInput& in, uint64_t seed) {
    EncoderInput out = in;
    std::mt19937_64 rng(seed);
    switch (in.modality) {
        case Modality::Image:
            out.image = random_resized_crop(in.image, rng());
            mirror_image(out.image, rng);
            break;
        case Modality::Audio: augment_audio(out.audio, rng); break;
        case Modality::Point: augment_points(out.points, rng); break;
        default: break;  // depth maps: the spec varies them already, and a crop would move the wall
    }
    return out;
}

}  // namespace ibllm
