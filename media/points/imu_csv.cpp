#include "media/points/imu_csv.h"

#include <cmath>

#include "media/media_error.h"
#include "media/points/delimited_text.h"

namespace ibllm::media {

ImuData load_imu_csv(const std::string& path) {
    const std::string bytes = text::read_file(path);
    if (text::looks_binary(bytes))
        throw MediaError(path + " is not a text file; an IMU recording must be a CSV file with 6 columns "
                                "(accelerometer xyz, gyroscope xyz).");

    ImuData imu;
    size_t columns = 0;         // of the first data row; every row must match it
    bool seen_content = false;  // a header is only allowed before anything else
    text::for_each_line(bytes, [&](long number, std::string_view line) {
        if (text::is_blank_or_comment(line)) return true;
        const auto fields = text::split_fields(line);
        const std::string where = path + " line " + std::to_string(number);

        std::vector<double> values;
        values.reserve(fields.size());
        bool numeric = true;
        for (const auto& f : fields) {
            const auto v = text::parse_number(f);
            if (!v) { numeric = false; break; }
            values.push_back(*v);
        }
        if (!numeric) {
            if (!seen_content) {  // the header row
                seen_content = true;
                return true;
            }
            throw MediaError(where + " has a value that is not a number; an IMU CSV holds only numbers after its header row.");
        }
        seen_content = true;
        if (values.size() != 6 && values.size() != 7)
            throw MediaError(where + " has " + std::to_string(values.size()) +
                             " columns; an IMU CSV needs 6 (accelerometer xyz, gyroscope xyz), or 7 with a leading timestamp.");
        if (columns == 0) columns = values.size();
        if (values.size() != columns)
            throw MediaError(where + " has " + std::to_string(values.size()) + " columns but the first sample has " +
                             std::to_string(columns) + "; every row must have the same columns.");
        const size_t first = columns == 7 ? 1 : 0;  // drop the timestamp
        std::array<float, 6> sample{};
        for (size_t k = 0; k < 6; ++k) {
            const double v = values[first + k];
            if (!std::isfinite(v))
                throw MediaError(where + " has a value that is not a finite number (NaN or infinity); fix or remove that row.");
            sample[k] = static_cast<float>(v);
        }
        imu.samples.push_back(sample);
        return true;
    });
    if (imu.samples.empty())
        throw MediaError(path + " contains no IMU samples; it needs rows of 6 numbers (accelerometer xyz, gyroscope xyz).");
    return imu;
}

}  // namespace ibllm::media
