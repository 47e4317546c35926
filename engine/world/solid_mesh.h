#pragma once
// The solids of the solids world (shared/solids-world.md) as triangle meshes in the object's own
// frame, centred on the origin, with the spec's sizes: cube edge 1; sphere radius 0.62; cone and
// pyramid base width 1.1 and height 1.1; cylinder diameter 0.9, height 1.1; torus major radius
// 0.45, minor 0.18. Curved surfaces are finely tessellated (the deviation from the true surface
// stays below the point clouds' noise) and carry smooth vertex normals; flat faces flat ones.
#include <array>
#include <vector>

#include "engine/world/vec3.h"

namespace ibllm::world {

enum class Shape { Cube, Sphere, Cone, Cylinder, Torus, Pyramid };
constexpr int kShapes = 6;

struct Triangle {
    std::array<Vec3, 3> p;  // vertices
    std::array<Vec3, 3> n;  // unit normals at the vertices (outward)
    double area() const { return 0.5 * norm(cross(p[1] - p[0], p[2] - p[0])); }
};

const std::vector<Triangle>& solid_mesh(Shape shape);

}  // namespace ibllm::world
