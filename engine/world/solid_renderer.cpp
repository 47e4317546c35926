#include "engine/world/solid_renderer.h"

#include "engine/world/random_rotation.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <ATen/Parallel.h>

namespace ibllm::world {

namespace {

constexpr double kPi = 3.14159265358979323846;

struct Projected {
    double u, v, z;  // pixel coordinates and the distance along the view axis (camera units)
};

// The camera for a view: orthographic scale k, or perspective focal length f and distance D.
struct Camera {
    bool perspective = false;
    double k = 1, f = 1, D = 5, cx = 0, cy = 0;
    Projected project(Vec3 p) const {
        if (!perspective) return {cx + k * p.x, cy - k * p.y, -p.z};
        const double zc = D - p.z;
        return {cx + f * p.x / zc, cy - f * p.y / zc, zc};
    }
};

struct Box {
    double u0 = 1e30, u1 = -1e30, v0 = 1e30, v1 = -1e30;
    double extent() const { return std::max(u1 - u0, v1 - v0); }
};

Box projected_box(const std::vector<Vec3>& pts, const Camera& cam) {
    Box b;
    for (const Vec3& p : pts) {
        const Projected q = cam.project(p);
        b.u0 = std::min(b.u0, q.u), b.u1 = std::max(b.u1, q.u), b.v0 = std::min(b.v0, q.v), b.v1 = std::max(b.v1, q.v);
    }
    return b;
}

double projected_extent(const std::vector<Vec3>& pts, const Camera& cam) { return projected_box(pts, cam).extent(); }

}  // namespace

ViewSpec random_view(std::mt19937_64& rng, const double colour_rgb[3]) {
    std::uniform_real_distribution<double> u(0, 1);
    auto in = [&](double a, double b) { return a + (b - a) * u(rng); };
    ViewSpec v;
    // Sizes from 224 x 224 to 640 x 480: square, landscape or portrait.
    const int shapes[][2] = {{224, 224}, {256, 256}, {320, 240}, {240, 320}, {384, 288}, {400, 300}, {480, 360},
                             {512, 384}, {448, 448}, {640, 480}, {480, 640}, {300, 300}};
    const auto& wh = shapes[std::uniform_int_distribution<int>(0, 11)(rng)];
    v.width = wh[0], v.height = wh[1];
    v.rotation = random_rotation(rng);
    v.scale = in(0.8, 1.2);
    v.perspective = u(rng) < 0.5;
    v.fov_deg = in(15, 40);
    v.fill = in(0.35, 0.8);
    v.offset_x = in(-0.15, 0.15) * (1 - v.fill);  // keeps the solid inside the frame
    v.offset_y = in(-0.15, 0.15) * (1 - v.fill);
    // A light direction within 60 degrees of the view direction, uniform over that cap.
    const double cos_t = in(std::cos(60 * kPi / 180), 1.0), phi = in(0, 2 * kPi), sin_t = std::sqrt(1 - cos_t * cos_t);
    v.light = {sin_t * std::cos(phi), sin_t * std::sin(phi), cos_t};
    v.ambient = in(0.25, 0.45);
    for (int c = 0; c < 3; ++c) v.rgb[c] = std::clamp(colour_rgb[c] + std::round(in(-20, 20)), 0.0, 255.0);
    v.gradient = u(rng) < 0.5;
    v.grey_top = in(150, 245);
    v.grey_bottom = v.gradient ? in(150, 245) : v.grey_top;
    v.noise_sigma = u(rng) < 0.3 ? 0.0 : in(0, 4);
    v.near_mm = in(400, 1200);
    v.wall_gap_mm = in(500, 1500);
    v.no_wall = u(rng) < 0.2;
    v.mm_per_unit = in(100, 350);
    return v;
}

Rendering render_solid(Shape shape, const ViewSpec& view, uint64_t noise_seed) {
    const std::vector<Triangle>& mesh = solid_mesh(shape);
    const int W = view.width, H = view.height;
    constexpr int S = 2;  // supersampling per axis for the colour image
    // Object -> camera frame, and the camera that makes the solid fill its share of the frame.
    std::vector<Vec3> pts;
    pts.reserve(mesh.size() * 3);
    for (const Triangle& t : mesh)
        for (const Vec3& p : t.p) pts.push_back(view.rotation * (view.scale * p));
    const double short_side = std::min(W, H);
    Camera cam;
    cam.perspective = view.perspective;
    cam.cx = W * (0.5 + view.offset_x);
    cam.cy = H * (0.5 + view.offset_y);
    if (!view.perspective) {
        cam.k = 1;
        cam.k = view.fill * short_side / projected_extent(pts, cam);
    } else {
        cam.f = 0.5 * short_side / std::tan(0.5 * view.fov_deg * kPi / 180);
        // The distance that gives the wanted extent; the extent falls monotonically with it.
        double lo = 1.0, hi = 1000.0;
        for (int it = 0; it < 60; ++it) {
            cam.D = 0.5 * (lo + hi);
            (projected_extent(pts, cam) > view.fill * short_side ? lo : hi) = cam.D;
        }
    }
    // The solid's centre is the centre of its outline (a cone's apex pulls its box off the
    // origin): placed at the wanted offset from the image centre.
    const Box box = projected_box(pts, cam);
    cam.cx += W * (0.5 + view.offset_x) - 0.5 * (box.u0 + box.u1);
    cam.cy += H * (0.5 + view.offset_y) - 0.5 * (box.v0 + box.v1);

    // Rasterise at S x S samples per pixel: nearest surface, its normal, its depth.
    const int SW = W * S, SH = H * S;
    std::vector<float> zbuf(static_cast<size_t>(SW) * SH, std::numeric_limits<float>::infinity());
    std::vector<float> shade(static_cast<size_t>(SW) * SH, -1.f);  // Lambert term of the nearest surface
    Camera scam = cam;
    scam.k *= S, scam.f *= S, scam.cx *= S, scam.cy *= S;
    const Vec3 to_camera{0, 0, 1};
    for (const Triangle& tri : mesh) {
        Projected q[3];
        Vec3 n[3];
        for (int i = 0; i < 3; ++i) {
            q[i] = scam.project(view.rotation * (view.scale * tri.p[i]));
            n[i] = view.rotation * tri.n[i];
        }
        const double area = (q[1].u - q[0].u) * (q[2].v - q[0].v) - (q[2].u - q[0].u) * (q[1].v - q[0].v);
        if (std::abs(area) < 1e-12) continue;
        const int x0 = std::max(0, static_cast<int>(std::floor(std::min({q[0].u, q[1].u, q[2].u}))));
        const int x1 = std::min(SW - 1, static_cast<int>(std::ceil(std::max({q[0].u, q[1].u, q[2].u}))));
        const int y0 = std::max(0, static_cast<int>(std::floor(std::min({q[0].v, q[1].v, q[2].v}))));
        const int y1 = std::min(SH - 1, static_cast<int>(std::ceil(std::max({q[0].v, q[1].v, q[2].v}))));
        for (int y = y0; y <= y1; ++y)
            for (int x = x0; x <= x1; ++x) {
                const double px = x + 0.5, py = y + 0.5;
                const double w0 = ((q[1].u - px) * (q[2].v - py) - (q[2].u - px) * (q[1].v - py)) / area;
                const double w1 = ((q[2].u - px) * (q[0].v - py) - (q[0].u - px) * (q[2].v - py)) / area;
                const double w2 = 1 - w0 - w1;
                if (w0 < 0 || w1 < 0 || w2 < 0) continue;
                // Perspective-correct depth: 1/z is linear in screen space.
                const double z = view.perspective ? 1.0 / (w0 / q[0].z + w1 / q[1].z + w2 / q[2].z)
                                                  : w0 * q[0].z + w1 * q[1].z + w2 * q[2].z;
                const size_t idx = static_cast<size_t>(y) * SW + x;
                if (z >= zbuf[idx]) continue;
                zbuf[idx] = static_cast<float>(z);
                Vec3 nn = normalized(w0 * n[0] + w1 * n[1] + w2 * n[2]);
                if (dot(nn, to_camera) < 0) nn = -1.0 * nn;  // the side the camera sees
                shade[idx] = static_cast<float>(std::max(0.0, dot(nn, view.light)));
            }
    }

    Rendering r;
    r.width = W, r.height = H;
    r.rgb.resize(static_cast<size_t>(W) * H * 3);
    r.depth_mm.assign(static_cast<size_t>(W) * H, 0);
    // Depth in millimetres: the nearest point at near_mm.
    double zmin = std::numeric_limits<double>::infinity(), zmax = -zmin;
    for (float z : zbuf)
        if (std::isfinite(z)) zmin = std::min(zmin, double(z)), zmax = std::max(zmax, double(z));
    const double mm_per_unit = view.perspective ? view.near_mm / zmin : view.mm_per_unit;
    auto to_mm = [&](double z) { return view.perspective ? z * mm_per_unit : view.near_mm + (z - zmin) * mm_per_unit; };
    const double wall = view.no_wall ? 0.0 : to_mm(zmax) + view.wall_gap_mm;
    at::parallel_for(0, H, 8, [&](int64_t ya, int64_t yb) {
        std::mt19937_64 rng(noise_seed ^ (0x9E3779B97F4A7C15ull * static_cast<uint64_t>(ya + 1)));
        std::normal_distribution<double> noise(0.0, view.noise_sigma > 0 ? view.noise_sigma : 1.0);
        for (int64_t y = ya; y < yb; ++y) {
            const double t = H > 1 ? double(y) / (H - 1) : 0;
            const double grey = view.grey_top + (view.grey_bottom - view.grey_top) * t;
            for (int x = 0; x < W; ++x) {
                double acc[3] = {0, 0, 0};
                for (int sy = 0; sy < S; ++sy)
                    for (int sx = 0; sx < S; ++sx) {
                        const float l = shade[static_cast<size_t>(y * S + sy) * SW + x * S + sx];
                        for (int c = 0; c < 3; ++c)
                            acc[c] += l < 0 ? grey : view.rgb[c] * (view.ambient + (1 - view.ambient) * l);
                    }
                for (int c = 0; c < 3; ++c) {
                    double v = acc[c] / (S * S);
                    if (view.noise_sigma > 0) v += noise(rng);
                    r.rgb[(static_cast<size_t>(y) * W + x) * 3 + c] = static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
                }
                // The depth of the pixel's centre sample (top-left of the 2x2 block is close enough
                // for a sensor; use the nearest of the four so thin edges keep their reading).
                float z = std::numeric_limits<float>::infinity();
                for (int sy = 0; sy < S; ++sy)
                    for (int sx = 0; sx < S; ++sx) z = std::min(z, zbuf[static_cast<size_t>(y * S + sy) * SW + x * S + sx]);
                const double mm = std::isfinite(z) ? to_mm(z) : wall;
                r.depth_mm[static_cast<size_t>(y) * W + x] = static_cast<uint16_t>(std::clamp(std::lround(mm), 0L, 65535L));
            }
        }
    });
    return r;
}

}  // namespace ibllm::world
