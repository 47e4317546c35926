// bounds() and downsample_for_display(): what the 3D viewer needs to frame and draw a cloud
// of any size at an interactive frame rate.
#include <pcl/filters/voxel_grid.h>
#include <pcl/point_cloud.h>
#include <pcl/point_types.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "media/points/point_cloud_file.h"

namespace ibllm::media {
namespace {

bool finite_point(const double* p) { return std::isfinite(p[0]) && std::isfinite(p[1]) && std::isfinite(p[2]); }

PointCloudData finite_only(const PointCloudData& cloud) {
    PointCloudData out;
    out.source_dtype = cloud.source_dtype;
    const bool colours = !cloud.rgb.empty();
    out.xyz.reserve(cloud.xyz.size());
    if (colours) out.rgb.reserve(cloud.rgb.size());
    for (int64_t i = 0; i < cloud.count; ++i) {
        if (!finite_point(&cloud.xyz[i * 3])) continue;
        out.xyz.insert(out.xyz.end(), cloud.xyz.begin() + i * 3, cloud.xyz.begin() + i * 3 + 3);
        if (colours) out.rgb.insert(out.rgb.end(), cloud.rgb.begin() + i * 3, cloud.rgb.begin() + i * 3 + 3);
        ++out.count;
    }
    return out;
}

// Runs PCL's voxel grid once. Points are shifted by the cloud's minimum first: float32
// coordinates far from the origin (georeferenced scans) would otherwise lose the precision
// the cube assignment needs.
template <typename Point>
PointCloudData voxel_filter(const PointCloudData& cloud, const Bounds& box, double leaf) {
    typename pcl::PointCloud<Point>::Ptr in(new pcl::PointCloud<Point>);
    in->resize(static_cast<size_t>(cloud.count));
    for (int64_t i = 0; i < cloud.count; ++i) {
        Point& p = (*in)[i];
        p.x = static_cast<float>(cloud.xyz[i * 3 + 0] - box.min[0]);
        p.y = static_cast<float>(cloud.xyz[i * 3 + 1] - box.min[1]);
        p.z = static_cast<float>(cloud.xyz[i * 3 + 2] - box.min[2]);
        if constexpr (std::is_same_v<Point, pcl::PointXYZRGB>) {
            p.r = cloud.rgb[i * 3 + 0];
            p.g = cloud.rgb[i * 3 + 1];
            p.b = cloud.rgb[i * 3 + 2];
        }
    }
    pcl::VoxelGrid<Point> grid;
    grid.setInputCloud(in);
    grid.setLeafSize(static_cast<float>(leaf), static_cast<float>(leaf), static_cast<float>(leaf));
    grid.setDownsampleAllData(true);  // average the colours too
    pcl::PointCloud<Point> reduced;
    grid.filter(reduced);

    PointCloudData out;
    out.source_dtype = cloud.source_dtype;
    out.count = static_cast<int64_t>(reduced.size());
    out.xyz.resize(reduced.size() * 3);
    if constexpr (std::is_same_v<Point, pcl::PointXYZRGB>) out.rgb.resize(reduced.size() * 3);
    for (size_t i = 0; i < reduced.size(); ++i) {
        const Point& p = reduced[i];
        // Clamp: a float32 centroid can land a hair outside the double bounds.
        const double v[3] = {p.x + box.min[0], p.y + box.min[1], p.z + box.min[2]};
        for (int k = 0; k < 3; ++k) out.xyz[i * 3 + k] = std::clamp(v[k], box.min[k], box.max[k]);
        if constexpr (std::is_same_v<Point, pcl::PointXYZRGB>) {
            out.rgb[i * 3 + 0] = p.r;
            out.rgb[i * 3 + 1] = p.g;
            out.rgb[i * 3 + 2] = p.b;
        }
    }
    return out;
}

// Every k-th point: the fallback when the voxel grid cannot reach the target (it never
// should; this keeps the contract unconditional).
PointCloudData stride_sample(const PointCloudData& cloud, int64_t max_points) {
    const int64_t step = (cloud.count + max_points - 1) / max_points;
    PointCloudData out;
    out.source_dtype = cloud.source_dtype;
    for (int64_t i = 0; i < cloud.count; i += step) {
        out.xyz.insert(out.xyz.end(), cloud.xyz.begin() + i * 3, cloud.xyz.begin() + i * 3 + 3);
        if (!cloud.rgb.empty()) out.rgb.insert(out.rgb.end(), cloud.rgb.begin() + i * 3, cloud.rgb.begin() + i * 3 + 3);
        ++out.count;
    }
    return out;
}

}  // namespace

Bounds bounds(const PointCloudData& cloud) {
    Bounds b{};
    bool any = false;
    for (int64_t i = 0; i < cloud.count; ++i) {
        const double* p = &cloud.xyz[i * 3];
        if (!finite_point(p)) continue;
        for (int k = 0; k < 3; ++k) {
            b.min[k] = any ? std::min(b.min[k], p[k]) : p[k];
            b.max[k] = any ? std::max(b.max[k], p[k]) : p[k];
        }
        any = true;
    }
    return b;
}

PointCloudData downsample_for_display(const PointCloudData& cloud, int64_t max_points, double* voxel_size) {
    if (voxel_size) *voxel_size = 0.0;
    PointCloudData finite = finite_only(cloud);
    max_points = std::max<int64_t>(max_points, 1);
    if (finite.count <= max_points) return finite;

    const Bounds box = bounds(finite);
    double extent[3];
    double diagonal = 0;
    for (int k = 0; k < 3; ++k) {
        extent[k] = box.max[k] - box.min[k];
        diagonal = std::max(diagonal, extent[k]);
    }
    if (diagonal == 0) {  // every point at one place: one point shows it
        if (voxel_size) *voxel_size = 0.0;
        return stride_sample(finite, 1);
    }
    // Start from the cube size that would give `max_points` cubes over the bounding box;
    // flat or thin clouds occupy far fewer cubes than that, so grow it until the count fits.
    // A thin axis is given a nominal thickness so the volume (and PCL's cube index range,
    // which must fit in int32) stays sensible.
    double volume = 1;
    for (double e : extent) volume *= std::max(e, diagonal * 1e-3);
    double leaf = std::cbrt(volume / static_cast<double>(max_points));
    const bool colours = !finite.rgb.empty();
    for (int attempt = 0; attempt < 30; ++attempt) {
        const double cubes = (std::floor(extent[0] / leaf) + 1) * (std::floor(extent[1] / leaf) + 1) *
                             (std::floor(extent[2] / leaf) + 1);
        if (cubes < static_cast<double>(std::numeric_limits<int32_t>::max()) / 2) {
            PointCloudData out = colours ? voxel_filter<pcl::PointXYZRGB>(finite, box, leaf)
                                         : voxel_filter<pcl::PointXYZ>(finite, box, leaf);
            if (out.count <= max_points && out.count > 0) {
                if (voxel_size) *voxel_size = leaf;
                return out;
            }
            leaf *= std::max(1.05, std::cbrt(static_cast<double>(out.count) / static_cast<double>(max_points)));
        } else {
            leaf *= 2;
        }
    }
    return stride_sample(finite, max_points);
}

}  // namespace ibllm::media
