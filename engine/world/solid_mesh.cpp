#include "engine/world/solid_mesh.h"

#include <cmath>
#include <utility>

namespace ibllm::world {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kSegments = 96;  // around curved solids: 0.05% of the radius off the true surface

void flat(std::vector<Triangle>& out, Vec3 a, Vec3 b, Vec3 c) {
    Vec3 n = normalized(cross(b - a, c - a));
    out.push_back({{a, b, c}, {n, n, n}});
}
void quad(std::vector<Triangle>& out, Vec3 a, Vec3 b, Vec3 c, Vec3 d) {  // counter-clockwise seen from outside
    flat(out, a, b, c);
    flat(out, a, c, d);
}

std::vector<Triangle> cube() {
    std::vector<Triangle> t;
    const double h = 0.5;
    const Vec3 v[8] = {{-h, -h, -h}, {h, -h, -h}, {h, h, -h}, {-h, h, -h}, {-h, -h, h}, {h, -h, h}, {h, h, h}, {-h, h, h}};
    quad(t, v[4], v[5], v[6], v[7]);  // +z
    quad(t, v[1], v[0], v[3], v[2]);  // -z
    quad(t, v[5], v[1], v[2], v[6]);  // +x
    quad(t, v[0], v[4], v[7], v[3]);  // -x
    quad(t, v[7], v[6], v[2], v[3]);  // +y
    quad(t, v[0], v[1], v[5], v[4]);  // -y
    return t;
}

std::vector<Triangle> sphere() {
    std::vector<Triangle> t;
    const double r = 0.62;
    const int rings = kSegments / 2;
    auto at = [&](int i, int j) {
        const double th = kPi * i / rings, ph = 2 * kPi * j / kSegments;
        return Vec3{std::sin(th) * std::cos(ph), std::cos(th), std::sin(th) * std::sin(ph)};
    };
    for (int i = 0; i < rings; ++i)
        for (int j = 0; j < kSegments; ++j) {
            const Vec3 a = at(i, j), b = at(i + 1, j), c = at(i + 1, j + 1), d = at(i, j + 1);
            if (i > 0) t.push_back({{r * a, r * d, r * c}, {a, d, c}});
            if (i < rings - 1) t.push_back({{r * a, r * c, r * b}, {a, c, b}});
        }
    return t;
}

// A solid of revolution around y from a profile (radius, y) listed bottom to top; `caps` closes
// the ends that have a radius.
std::vector<Triangle> revolve(const std::vector<std::pair<double, double>>& profile) {
    std::vector<Triangle> t;
    for (size_t k = 0; k + 1 < profile.size(); ++k) {
        const auto [r0, y0] = profile[k];
        const auto [r1, y1] = profile[k + 1];
        // The side's normal in the (r, y) plane: perpendicular to the profile segment.
        const double dr = r1 - r0, dy = y1 - y0, len = std::hypot(dr, dy);
        const double nr = dy / len, ny = -dr / len;
        for (int j = 0; j < kSegments; ++j) {
            const double a0 = 2 * kPi * j / kSegments, a1 = 2 * kPi * (j + 1) / kSegments;
            const Vec3 p00{r0 * std::cos(a0), y0, r0 * std::sin(a0)}, p01{r0 * std::cos(a1), y0, r0 * std::sin(a1)};
            const Vec3 p10{r1 * std::cos(a0), y1, r1 * std::sin(a0)}, p11{r1 * std::cos(a1), y1, r1 * std::sin(a1)};
            const Vec3 n0{nr * std::cos(a0), ny, nr * std::sin(a0)}, n1{nr * std::cos(a1), ny, nr * std::sin(a1)};
            if (r0 > 0) t.push_back({{p00, p10, p01}, {n0, n0, n1}});
            if (r1 > 0) t.push_back({{p01, p10, p11}, {n1, n0, n1}});
        }
    }
    // Flat caps.
    struct Cap {
        double r, y;
        bool up;
    };
    for (const Cap& cap : {Cap{profile.front().first, profile.front().second, false}, Cap{profile.back().first, profile.back().second, true}}) {
        const double r = cap.r, y = cap.y;
        const bool up = cap.up;
        if (r <= 0) continue;
        const Vec3 c{0, y, 0}, n{0, up ? 1.0 : -1.0, 0};
        for (int j = 0; j < kSegments; ++j) {
            const double a0 = 2 * kPi * j / kSegments, a1 = 2 * kPi * (j + 1) / kSegments;
            const Vec3 p0{r * std::cos(a0), y, r * std::sin(a0)}, p1{r * std::cos(a1), y, r * std::sin(a1)};
            if (up)
                t.push_back({{c, p1, p0}, {n, n, n}});
            else
                t.push_back({{c, p0, p1}, {n, n, n}});
        }
    }
    return t;
}

std::vector<Triangle> torus() {
    std::vector<Triangle> t;
    const double R = 0.45, r = 0.18;
    const int minor = kSegments / 2;
    auto at = [&](int i, int j, Vec3& n) {
        const double u = 2 * kPi * i / kSegments, v = 2 * kPi * j / minor;
        n = {std::cos(v) * std::cos(u), std::sin(v), std::cos(v) * std::sin(u)};
        return Vec3{(R + r * std::cos(v)) * std::cos(u), r * std::sin(v), (R + r * std::cos(v)) * std::sin(u)};
    };
    for (int i = 0; i < kSegments; ++i)
        for (int j = 0; j < minor; ++j) {
            Vec3 na, nb, nc, nd;
            const Vec3 a = at(i, j, na), b = at(i + 1, j, nb), c = at(i + 1, j + 1, nc), d = at(i, j + 1, nd);
            t.push_back({{a, d, c}, {na, nd, nc}});
            t.push_back({{a, c, b}, {na, nc, nb}});
        }
    return t;
}

std::vector<Triangle> pyramid() {
    std::vector<Triangle> t;
    const double h = 0.55, w = 0.55;  // half base width 0.55, height 1.1 centred on the origin
    const Vec3 apex{0, h, 0}, a{-w, -h, -w}, b{w, -h, -w}, c{w, -h, w}, d{-w, -h, w};
    quad(t, a, b, c, d);  // base (normal -y)
    flat(t, d, c, apex);
    flat(t, c, b, apex);
    flat(t, b, a, apex);
    flat(t, a, d, apex);
    return t;
}

std::vector<Triangle> make(Shape s) {
    switch (s) {
        case Shape::Cube: return cube();
        case Shape::Sphere: return sphere();
        case Shape::Cone: return revolve({{0.55, -0.55}, {0.0, 0.55}});
        case Shape::Cylinder: return revolve({{0.45, -0.55}, {0.45, 0.55}});
        case Shape::Torus: return torus();
        case Shape::Pyramid: return pyramid();
    }
    return {};
}

}  // namespace

const std::vector<Triangle>& solid_mesh(Shape shape) {
    static const std::vector<Triangle> meshes[kShapes] = {make(Shape::Cube), make(Shape::Sphere), make(Shape::Cone),
                                                          make(Shape::Cylinder), make(Shape::Torus), make(Shape::Pyramid)};
    return meshes[static_cast<int>(shape)];
}

}  // namespace ibllm::world
