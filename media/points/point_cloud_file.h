#pragma once
// Point clouds from the files users have (.ply, .pcd, .xyz/.pts/.txt, .obj, .npy) as plain
// buffers, plus the two helpers the 3D viewer needs (bounds, a display-sized copy).
//
// The values are the reference loader's (ImageBind data.py): open3d returns float64 for
// .ply/.pcd/.xyz/.pts, .obj vertices are parsed as float64, and .npy keeps its dtype. Here
// every coordinate is held as double (a float32 source converts exactly) and `source_dtype`
// remembers what the file stored, so the engine can rebuild the reference tensor bit for bit.
// `.pt` tensors are not read here: they go through the engine's checkpoint reader.
#include <cstdint>
#include <string>
#include <vector>

namespace ibllm::media {

struct PointCloudData {
    std::vector<double> xyz;   // count * 3, row-major (x, y, z per point), in file order
    std::vector<uint8_t> rgb;  // count * 3 when the file has colours, else empty
    int64_t count = 0;
    std::string source_dtype;  // "float64" or "float32": what the reference loader would return
    // Points with a NaN or infinite coordinate. They are kept (the reference keeps them; the
    // engine's preparation step drops them and tells the user), only counted here.
    int64_t non_finite = 0;
};

// Loads a point cloud; throws MediaError with one sentence naming the file on any problem
// (missing, empty, corrupt, unsupported, no points).
//
// Format choice: the final extension decides, case-insensitively: .ply and .pcd through
// PCL, .xyz/.pts/.txt as delimited text, .obj vertex lines, .npy. A name whose final
// extension is none of these (e.g. "scan.ply.bak") falls back to the reference's substring
// test, in its order: ".ply", ".pts", ".pcd", ".xyz", then ".pt", ".npy", ".obj", and ".txt"
// (an addition of ours). Only the file name is tested, not the folders above it.
//
// Text formats (.xyz, .pts, .txt): one point per line, fields separated by whitespace, commas
// or semicolons; the first three fields are x, y, z. Blank lines and lines starting with '#',
// '//' or '%' are skipped anywhere. Lines before the first point that do not start with three
// numbers are a header (a column-name row, the point count of a .pts file) and are skipped;
// after the first point such a line is an error naming the line. When every point line has 6
// fields (x y z r g b) or 7 (x y z intensity r g b, the .pts convention), the last three are
// colours if they are all integers in 0..255, or all within 0..1 (scaled by 255); otherwise
// (normals, say) they are ignored.
//
// .obj: only "v x y z" lines (the reference's rule); "v x y z r g b" colours in 0..1 are kept.
// .npy: float32 or float64, shape [N, C] or [1, N, C] with C >= 3; the first three columns
// are x, y, z (C-order or Fortran-order, either byte order).
PointCloudData load_point_cloud(const std::string& path);

// Axis-aligned bounds of the finite points. A cloud without finite points gives all zeros.
struct Bounds {
    double min[3];
    double max[3];
};
Bounds bounds(const PointCloudData& cloud);

// A copy small enough to draw: non-finite points are dropped; a cloud that then has at most
// `max_points` points is returned as it is, a larger one is reduced with a voxel grid
// (pcl::VoxelGrid: one point per occupied cube, the centroid of the points in it, colours
// averaged) whose cube size is grown until at most `max_points` remain. Deterministic. The
// cube edge used is written to `voxel_size` (0 when no reduction was needed); every point of
// the result lies inside the input's bounds and every extreme of the input is within one
// cube of the result's.
PointCloudData downsample_for_display(const PointCloudData& cloud, int64_t max_points,
                                      double* voxel_size = nullptr);

}  // namespace ibllm::media
