#include "engine/world/solid_points.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/world/random_rotation.h"

namespace ibllm::world {

PointSpec random_points(std::mt19937_64& rng) {
    std::uniform_real_distribution<double> u(0, 1);
    PointSpec s;
    s.rotation = random_rotation(rng);
    s.scale = 0.8 + 0.4 * u(rng);
    // Any translation: scanners report coordinates in their own frame.
    s.translation = {(u(rng) - 0.5) * 10, (u(rng) - 0.5) * 10, (u(rng) - 0.5) * 10};
    return s;
}

std::vector<float> sample_solid_points(Shape shape, const PointSpec& spec, uint64_t seed) {
    const std::vector<Triangle>& mesh = solid_mesh(shape);
    std::vector<double> cumulative(mesh.size());
    double total = 0;
    for (size_t i = 0; i < mesh.size(); ++i) cumulative[i] = total += mesh[i].area();
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0, 1);
    std::normal_distribution<double> noise(0.0, spec.noise_sigma);
    std::vector<float> out(static_cast<size_t>(spec.count) * 3);
    for (int i = 0; i < spec.count; ++i) {
        // A triangle by area, then a uniform point in it.
        const size_t t = std::min(mesh.size() - 1, static_cast<size_t>(std::lower_bound(cumulative.begin(), cumulative.end(),
                                                                                         u(rng) * total) - cumulative.begin()));
        double a = u(rng), b = u(rng);
        if (a + b > 1) a = 1 - a, b = 1 - b;
        const Triangle& tri = mesh[t];
        const Vec3 p = tri.p[0] + a * (tri.p[1] - tri.p[0]) + b * (tri.p[2] - tri.p[0]);
        const Vec3 q = spec.rotation * (spec.scale * p) + spec.translation + Vec3{noise(rng), noise(rng), noise(rng)};
        out[3 * i] = static_cast<float>(q.x), out[3 * i + 1] = static_cast<float>(q.y), out[3 * i + 2] = static_cast<float>(q.z);
    }
    return out;
}

namespace {

// Distance from p to triangle abc (Ericson, Real-Time Collision Detection 5.1.5).
double point_triangle_distance(Vec3 p, Vec3 a, Vec3 b, Vec3 c) {
    const Vec3 ab = b - a, ac = c - a, ap = p - a;
    const double d1 = dot(ab, ap), d2 = dot(ac, ap);
    if (d1 <= 0 && d2 <= 0) return norm(ap);
    const Vec3 bp = p - b;
    const double d3 = dot(ab, bp), d4 = dot(ac, bp);
    if (d3 >= 0 && d4 <= d3) return norm(bp);
    const double vc = d1 * d4 - d3 * d2;
    if (vc <= 0 && d1 >= 0 && d3 <= 0) return norm(p - (a + (d1 / (d1 - d3)) * ab));
    const Vec3 cp = p - c;
    const double d5 = dot(ab, cp), d6 = dot(ac, cp);
    if (d6 >= 0 && d5 <= d6) return norm(cp);
    const double vb = d5 * d2 - d1 * d6;
    if (vb <= 0 && d2 >= 0 && d6 <= 0) return norm(p - (a + (d2 / (d2 - d6)) * ac));
    const double va = d3 * d6 - d5 * d4;
    if (va <= 0 && (d4 - d3) >= 0 && (d5 - d6) >= 0) return norm(p - (b + ((d4 - d3) / ((d4 - d3) + (d5 - d6))) * (c - b)));
    const double denom = 1 / (va + vb + vc);
    return norm(p - (a + (vb * denom) * ab + (vc * denom) * ac));
}

}  // namespace

double distance_to_surface(Shape shape, Vec3 p) {
    double best = std::numeric_limits<double>::infinity();
    for (const Triangle& t : solid_mesh(shape)) best = std::min(best, point_triangle_distance(p, t.p[0], t.p[1], t.p[2]));
    return best;
}

}  // namespace ibllm::world
