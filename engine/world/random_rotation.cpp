#include "engine/world/random_rotation.h"

#include <cmath>

namespace ibllm::world {

namespace {
constexpr double kPi = 3.14159265358979323846;
}

Mat3 random_rotation(std::mt19937_64& rng) {
    std::uniform_real_distribution<double> u(0, 1);
    const double u1 = u(rng), u2 = u(rng), u3 = u(rng);
    const double a = std::sqrt(1 - u1), b = std::sqrt(u1);
    const double w = a * std::sin(2 * kPi * u2), x = a * std::cos(2 * kPi * u2);
    const double y = b * std::sin(2 * kPi * u3), z = b * std::cos(2 * kPi * u3);
    Mat3 m;
    m.m[0][0] = 1 - 2 * (y * y + z * z), m.m[0][1] = 2 * (x * y - w * z), m.m[0][2] = 2 * (x * z + w * y);
    m.m[1][0] = 2 * (x * y + w * z), m.m[1][1] = 1 - 2 * (x * x + z * z), m.m[1][2] = 2 * (y * z - w * x);
    m.m[2][0] = 2 * (x * z - w * y), m.m[2][1] = 2 * (y * z + w * x), m.m[2][2] = 1 - 2 * (x * x + y * y);
    return m;
}

}  // namespace ibllm::world
