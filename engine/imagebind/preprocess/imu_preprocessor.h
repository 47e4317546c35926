#pragma once
// IMU preprocessing for the ImageBind IMU encoder. The reference ships no IMU loader. The
// ImageBind paper trains IMU on Ego4D with 5-second windows of 2000 time steps of six
// channels (accelerometer and gyroscope) and publishes no normalisation. Our choice:
//  - input rows are [accel_x, accel_y, accel_z, gyro_x, gyro_y, gyro_z], ASSUMED to be in SI
//    units as Ego4D's IMU streams are (accelerometer m/s^2, gravity included; gyroscope
//    rad/s); values are passed through unscaled;
//  - the whole sequence is resampled linearly to 2000 steps with both end samples kept
//    (step j reads position j * (N - 1) / 1999, like align_corners=True), so pass about
//    5 s of data to match the training windows; one sample becomes a constant sequence;
//  - layout channel-major: [1, 6, 2000], channel c holds column c.
// Limits: no gravity removal, axis remapping or unit conversion (g -> m/s^2, deg/s -> rad/s)
// is done; convert such recordings before calling this.
#include <ATen/core/Tensor.h>

#include <array>
#include <vector>

namespace ibllm {

constexpr int kImuChannels = 6;
constexpr int kImuSteps = 2000;

// Returns float32 [1, 6, 2000]. Throws ibllm::Error when there are no samples or a value is
// NaN or infinite.
at::Tensor preprocess_imu(const std::vector<std::array<float, 6>>& samples);

}  // namespace ibllm
