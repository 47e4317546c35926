#include "engine/imagebind/preprocess/imu_preprocessor.h"

#include <ATen/ATen.h>

#include <cmath>
#include <string>

#include "engine/error.h"

namespace ibllm {

at::Tensor preprocess_imu(const std::vector<std::array<float, 6>>& samples) {
    if (samples.empty())
        throw Error("The IMU recording has no samples; choose a CSV with rows of accelerometer and gyroscope values.");
    for (size_t i = 0; i < samples.size(); ++i)
        for (float v : samples[i])
            if (!std::isfinite(v))
                throw Error("IMU sample " + std::to_string(i + 1) +
                            " is not a finite number; remove or fix that row of the recording.");

    at::Tensor out = at::empty({1, kImuChannels, kImuSteps}, at::kFloat);
    float* dst = out.data_ptr<float>();
    const size_t last = samples.size() - 1;
    for (int j = 0; j < kImuSteps; ++j) {
        // Positions in double so that the end points land exactly on the first/last sample.
        const double position = last == 0 ? 0.0 : double(j) * double(last) / double(kImuSteps - 1);
        size_t i0 = static_cast<size_t>(position);
        if (i0 >= last) i0 = last;
        const size_t i1 = i0 < last ? i0 + 1 : last;
        const double t = position - double(i0);
        for (int c = 0; c < kImuChannels; ++c) {
            const double a = samples[i0][c], b = samples[i1][c];
            dst[size_t(c) * kImuSteps + j] = static_cast<float>(a + (b - a) * t);
        }
    }
    return out;
}

}  // namespace ibllm
