#pragma once
// The solids world's camera: one rotated, scaled solid seen orthographically or in perspective,
// shaded as the spec says (Lambert with one directional light plus ambient, colour jitter, a grey
// or graded background, pixel noise), and the same view as a depth map in millimetres. A CPU
// rasteriser with a z-buffer and 2x2 supersampling of the colour image; rows are shaded on
// several threads.
#include <cstdint>
#include <random>
#include <vector>

#include "engine/world/solid_mesh.h"

namespace ibllm::world {

struct ViewSpec {
    int width = 224, height = 224;
    Mat3 rotation;             // object -> camera frame (the camera looks along -z)
    double scale = 1.0;        // of the solid, 0.8 .. 1.2
    bool perspective = false;
    double fov_deg = 30;       // perspective only, over the shorter side
    double fill = 0.5;         // of the shorter side taken by the solid's extent, 0.35 .. 0.8
    double offset_x = 0, offset_y = 0;  // of the solid's centre, in fractions of width / height, |.| <= 0.15
    Vec3 light{0, 0, 1};       // unit vector towards the light, within 60 degrees of the view direction (+z)
    double ambient = 0.35;     // 0.25 .. 0.45
    double rgb[3] = {128, 128, 128};  // the colour after jitter, before shading
    bool gradient = false;     // background: uniform `grey_top`, or graded top to bottom
    double grey_top = 200, grey_bottom = 200;
    double noise_sigma = 0;    // 0 .. 4
    // Depth: the solid's nearest point lies `near_mm` from the camera; the wall `wall_gap_mm`
    // behind its farthest point, or no reading (0) when `no_wall`.
    double near_mm = 800, wall_gap_mm = 1000;
    bool no_wall = false;
    double mm_per_unit = 200;  // orthographic only (perspective follows from the camera distance)
};

// A view drawn with the spec's every degree of freedom from `rng`.
ViewSpec random_view(std::mt19937_64& rng, const double colour_rgb[3]);

struct Rendering {
    int width = 0, height = 0;
    std::vector<uint8_t> rgb;        // h x w x 3
    std::vector<uint16_t> depth_mm;  // h x w, 0 = no reading
};

// `noise_seed` drives the pixel noise. Colour and depth come from one rasterisation.
Rendering render_solid(Shape shape, const ViewSpec& view, uint64_t noise_seed);

}  // namespace ibllm::world
