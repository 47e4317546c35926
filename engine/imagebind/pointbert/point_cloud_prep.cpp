#include "engine/imagebind/pointbert/point_cloud_prep.h"

#include <ATen/ATen.h>

#include "engine/error.h"
#include "engine/imagebind/pointbert/point_sampling.h"

namespace ibllm {

namespace {

std::string shape_text(const at::Tensor& t) {
    std::string s = "[";
    for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
    return s + "]";
}

}  // namespace

at::Tensor reference_point_input(const at::Tensor& points) {
    if (!points.defined() || points.dim() != 2 || points.size(1) != 3)
        throw Error("A point cloud must be an [N, 3] array of coordinates, not " +
                    (points.defined() ? shape_text(points) : std::string("nothing")) + ".");
    if (points.size(0) == 0) throw Error("The point cloud contains no points; choose a non-empty point cloud.");
    return points.unsqueeze(0).contiguous();  // the reference stacks one file into a batch of 1
}

PreparedCloud prepare_user_point_cloud(const at::Tensor& points_in, int64_t target, const std::string& source,
                                       int64_t min_points) {
    at::Tensor p = points_in;
    if (p.defined() && p.dim() == 3 && p.size(0) == 1) p = p.squeeze(0);
    if (!p.defined() || p.dim() != 2 || p.size(1) != 3)
        throw Error(source + " is not a list of xyz points (its shape is " +
                    (points_in.defined() ? shape_text(points_in) : std::string("empty")) + "); use an [N, 3] point cloud.");
    if (p.scalar_type() == at::kBool || p.is_complex())
        throw Error(source + " does not hold real-valued coordinates; use a point cloud of numbers.");
    if (target <= 0) throw Error("The point-cloud sample count must be positive.");

    PreparedCloud out;
    out.original_count = p.size(0);
    if (out.original_count == 0) throw Error(source + " contains no points; choose a non-empty point cloud.");

    p = p.to(at::kDouble);
    const at::Tensor finite_rows = at::isfinite(p).all(1);
    if (!finite_rows.all().item<bool>()) p = p.index_select(0, finite_rows.nonzero().view(-1));
    out.valid_count = p.size(0);
    if (out.valid_count == 0)
        throw Error(source + " contains no valid points (every point has a NaN or infinite coordinate); "
                    "export the cloud again from its source.");
    if (out.valid_count < min_points)
        throw Error(source + " has only " + std::to_string(out.valid_count) + " valid points; the 3D encoder needs at least " +
                    std::to_string(min_points) + ", so use a denser point cloud.");

    const at::Tensor centre = p.mean(0);
    p = p - centre;
    const double radius = p.norm(2, {1}).max().item<double>();
    for (int i = 0; i < 3; ++i) out.centre[i] = centre[i].item<double>();
    if (radius > 0.0) {
        p = p / radius;
        out.scale = radius;
    }
    out.normalised = true;

    at::Tensor cloud = p.to(at::kFloat).unsqueeze(0).contiguous();
    if (out.valid_count > target) {
        const at::Tensor idx = farthest_point_sample(cloud, target, 0);
        cloud = cloud.index_select(1, idx.view(-1)).contiguous();
        out.downsampled = true;
    }
    out.points = cloud;
    return out;
}

}  // namespace ibllm
