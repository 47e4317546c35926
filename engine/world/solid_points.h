#pragma once
// A 3D scan of a solid: points uniformly distributed over its rotated, scaled surface (by area),
// Gaussian noise of sigma 0.005, any translation; no colour.
#include <cstdint>
#include <random>
#include <vector>

#include "engine/world/solid_mesh.h"

namespace ibllm::world {

struct PointSpec {
    Mat3 rotation;
    double scale = 1;
    Vec3 translation;
    int count = 10000;
    double noise_sigma = 0.005;
};

PointSpec random_points(std::mt19937_64& rng);

// count x 3 floats, row-major.
std::vector<float> sample_solid_points(Shape shape, const PointSpec& spec, uint64_t seed);

// The distance from `p` (in the solid's frame, unscaled) to the solid's surface, for checks.
double distance_to_surface(Shape shape, Vec3 p);

}  // namespace ibllm::world
