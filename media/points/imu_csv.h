#pragma once
// IMU recordings from CSV. ImageBind's reference has no IMU loader; this is the format the
// product documents for users:
//   - one sample per line: accelerometer x, y, z then gyroscope x, y, z (6 numbers);
//   - or 7 numbers per line, in which case the FIRST column is a timestamp and is dropped
//     (samples are taken in file order; the timestamps are not used to resample);
//   - fields separated by commas (also semicolons, tabs or spaces);
//   - an optional header row (the first non-blank line, when it is not all numbers), blank
//     lines and '#' comment lines are skipped.
// Units are whatever the recording used; the engine resamples the sequence to the 2000
// samples the encoder takes. Every data line must have the same number of columns.
#include <array>
#include <string>
#include <vector>

namespace ibllm::media {

struct ImuData {
    std::vector<std::array<float, 6>> samples;  // accel xyz, gyro xyz, in file order
};

// Throws MediaError naming the file (and the line, for a malformed row): missing file, no
// samples, a row with a column count other than 6 or 7 (or differing from the first row), or
// a value that is not a finite number.
ImuData load_imu_csv(const std::string& path);

}  // namespace ibllm::media
