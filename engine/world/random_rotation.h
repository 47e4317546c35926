#pragma once
#include <random>

#include "engine/world/vec3.h"

namespace ibllm::world {

// A rotation drawn uniformly from all rotations (Shoemake's method: a random unit quaternion).
Mat3 random_rotation(std::mt19937_64& rng);

}  // namespace ibllm::world
