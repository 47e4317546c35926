#include "engine/imagebind/pointbert/point_sampling.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "engine/error.h"

namespace ibllm {

namespace {

at::Tensor as_float_points(const at::Tensor& t, const char* what) {
    if (!t.defined() || t.dim() != 3 || t.size(2) != 3)
        throw Error(std::string("The ") + what + " must be a [batch, points, 3] tensor of coordinates.");
    if (!at::isFloatingType(t.scalar_type()))
        throw Error(std::string("The ") + what + " must hold floating-point coordinates.");
    return t.to(at::kFloat).contiguous();
}

void require_finite(const float* p, int64_t count) {
    for (int64_t i = 0; i < count; ++i)
        if (!std::isfinite(p[i]))
            throw Error("The point cloud contains NaN or infinite coordinates; remove those points first.");
}

// Farthest-point sampling with exactly the reference's picks, made fast by skipping work
// that cannot change anything.
//
// The points are stored in Morton order, cut into buckets of 64 points, and the buckets into
// groups of 16; every bucket and group keeps its bounding box and its largest running
// distance. A new centre only lowers running distances that exceed the point's distance to
// it, so when the box's lower bound on that distance is at least the box's largest running
// distance, min(distance, d) leaves every point inside unchanged and the box is skipped.
// Late in the sampling, when running distances are small, almost everything is skipped:
// 100k -> 8192 points costs a few N distance evaluations instead of 8192 N. Distances are
// still computed per point with the reference's float32 formula and ties go to the lowest
// original index, so the picks are identical to the plain O(N * n) loop.
class BucketedCloud {
public:
    static constexpr int64_t kBucketSize = 64;
    static constexpr size_t kGroupSize = 16;  // buckets per group

    explicit BucketedCloud(const float* p, int64_t n) {
        float lo[3], hi[3];
        for (int a = 0; a < 3; ++a) lo[a] = hi[a] = p[a];
        for (int64_t i = 0; i < n; ++i)
            for (int a = 0; a < 3; ++a) {
                lo[a] = std::min(lo[a], p[3 * i + a]);
                hi[a] = std::max(hi[a], p[3 * i + a]);
            }
        // 10-bit-per-axis Morton code, then the original index: one sortable 64-bit key.
        std::vector<uint64_t> keys(n);
        for (int64_t i = 0; i < n; ++i) {
            uint64_t code = 0;
            for (int a = 0; a < 3; ++a) {
                const double extent = static_cast<double>(hi[a]) - lo[a];
                const double t = extent > 0 ? (static_cast<double>(p[3 * i + a]) - lo[a]) / extent : 0.0;
                const uint64_t q = static_cast<uint64_t>(std::min(1023.0, std::max(0.0, t * 1024.0)));
                for (int bit = 0; bit < 10; ++bit) code |= ((q >> bit) & 1u) << (3 * bit + a);
            }
            keys[i] = (code << 32) | static_cast<uint64_t>(i);
        }
        std::sort(keys.begin(), keys.end());

        x_.resize(n);
        y_.resize(n);
        z_.resize(n);
        index_.resize(n);
        dist_.assign(n, 1e10f);
        for (int64_t k = 0; k < n; ++k) {
            const int64_t i = static_cast<int64_t>(keys[k] & 0xffffffffu);
            index_[k] = static_cast<int32_t>(i);
            x_[k] = p[3 * i];
            y_[k] = p[3 * i + 1];
            z_[k] = p[3 * i + 2];
        }
        for (int64_t begin = 0; begin < n; begin += kBucketSize) {
            Bucket b;
            b.begin = begin;
            b.end = std::min(n, begin + kBucketSize);
            b.box.start(x_[begin], y_[begin], z_[begin], index_[begin]);
            for (int64_t k = begin; k < b.end; ++k) b.box.grow(x_[k], y_[k], z_[k], index_[k]);
            buckets_.push_back(b);
        }
        for (size_t first = 0; first < buckets_.size(); first += kGroupSize) {
            Group g;
            g.first = first;
            g.last = std::min(buckets_.size(), first + kGroupSize);
            g.box = buckets_[first].box;
            for (size_t j = first; j < g.last; ++j) g.box.merge(buckets_[j].box);
            groups_.push_back(g);
        }
    }

    // Lowers the running distances to the centre (cx, cy, cz) and returns the original index
    // of the (first) farthest point.
    int64_t step(float cx, float cy, float cz) {
        Best overall;
        for (Group& g : groups_) {
            if (g.box.could_change(cx, cy, cz)) {
                Best group_best;
                for (size_t j = g.first; j < g.last; ++j) {
                    Bucket& b = buckets_[j];
                    if (b.box.could_change(cx, cy, cz)) b.box.best = update(b, cx, cy, cz);
                    group_best.offer(b.box.best);
                }
                g.box.best = group_best;
            }
            overall.offer(g.box.best);
        }
        return overall.index;
    }

private:
    // A running maximum with torch.max's tie rule: the lowest original index wins.
    struct Best {
        float value = -1.0f;  // below every distance
        int32_t index = 0;
        void offer(const Best& o) {
            if (o.value > value || (o.value == value && o.index < index)) *this = o;
        }
    };

    struct Box {
        float lo[3], hi[3];
        Best best;  // the largest running distance inside

        void start(float x, float y, float z, int32_t index) {
            lo[0] = hi[0] = x;
            lo[1] = hi[1] = y;
            lo[2] = hi[2] = z;
            best = {1e10f, index};  // the reference's initial distance
        }
        void grow(float x, float y, float z, int32_t index) {
            const float c[3] = {x, y, z};
            for (int a = 0; a < 3; ++a) {
                lo[a] = std::min(lo[a], c[a]);
                hi[a] = std::max(hi[a], c[a]);
            }
            best.index = std::min(best.index, index);
        }
        void merge(const Box& o) {
            for (int a = 0; a < 3; ++a) {
                lo[a] = std::min(lo[a], o.lo[a]);
                hi[a] = std::max(hi[a], o.hi[a]);
            }
            best.offer(o.best);
        }
        // False only when no point inside can get a smaller running distance from this centre.
        bool could_change(float cx, float cy, float cz) const {
            const double c[3] = {cx, cy, cz};
            double bound = 0.0;
            for (int a = 0; a < 3; ++a) {
                const double below = static_cast<double>(lo[a]) - c[a], above = c[a] - static_cast<double>(hi[a]);
                const double gap = below > 0 ? below : (above > 0 ? above : 0.0);
                bound += gap * gap;
            }
            // A point's float32 distance is within a few ulps (< 1e-6 relative) of the exact one,
            // which is at least `bound`; the 1e-5 margin covers that, and tiny bounds (where
            // float32 squares underflow) are never trusted.
            return !(bound >= 1e-30 && bound * (1.0 - 1e-5) >= static_cast<double>(best.value));
        }
    };

    struct Bucket {
        int64_t begin = 0, end = 0;  // stored points [begin, end)
        Box box;
    };

    struct Group {
        size_t first = 0, last = 0;  // buckets [first, last)
        Box box;
    };

    Best update(const Bucket& b, float cx, float cy, float cz) {
        Best best;
        for (int64_t k = b.begin; k < b.end; ++k) {
            const float dx = x_[k] - cx, dy = y_[k] - cy, dz = z_[k] - cz;
            const float d = (dx * dx + dy * dy) + dz * dz;  // torch.sum over the 3 squares, in order
            const float v = d < dist_[k] ? d : dist_[k];
            dist_[k] = v;
            if (v > best.value || (v == best.value && index_[k] < best.index)) best = {v, index_[k]};
        }
        return best;
    }

    std::vector<float> x_, y_, z_, dist_;
    std::vector<int32_t> index_;  // original index of each stored point
    std::vector<Bucket> buckets_;
    std::vector<Group> groups_;
};

}  // namespace

at::Tensor farthest_point_sample(const at::Tensor& xyz_in, int64_t n_samples, int64_t start) {
    const at::Tensor xyz = as_float_points(xyz_in, "point cloud for farthest-point sampling");
    const int64_t batch = xyz.size(0), n = xyz.size(1);
    if (n == 0) throw Error("Farthest-point sampling needs at least one point; the point cloud is empty.");
    if (n > std::numeric_limits<int32_t>::max())
        throw Error("The point cloud has " + std::to_string(n) + " points, more than the 2^31 the sampler supports; thin it first.");
    if (n_samples < 0) throw Error("Farthest-point sampling needs a non-negative sample count.");
    if (start < 0 || start >= n)
        throw Error("The farthest-point start index " + std::to_string(start) + " is outside the cloud's " +
                    std::to_string(n) + " points.");
    const float* points = xyz.data_ptr<float>();
    require_finite(points, xyz.numel());

    at::Tensor out = at::empty({batch, n_samples}, at::kLong);
    int64_t* picks = out.data_ptr<int64_t>();
    for (int64_t b = 0; b < batch; ++b) {
        const float* p = points + b * n * 3;
        BucketedCloud cloud(p, n);
        int64_t farthest = start;
        for (int64_t s = 0; s < n_samples; ++s) {
            picks[b * n_samples + s] = farthest;
            farthest = cloud.step(p[3 * farthest], p[3 * farthest + 1], p[3 * farthest + 2]);
        }
    }
    return out;
}

namespace {

// The reference's square_distance: -2 * (c . p) + |c|^2 + |p|^2, additions in its order.
inline float expanded_sqdist(float cx, float cy, float cz, float cc, float px, float py, float pz, float pp) {
    const float dot = (cx * px + cy * py) + cz * pz;
    return (-2.0f * dot + cc) + pp;
}

inline float squared_norm(float x, float y, float z) { return (x * x + y * y) + z * z; }

}  // namespace

at::Tensor knn_indices(const at::Tensor& xyz_in, const at::Tensor& centers_in, int64_t k) {
    const at::Tensor xyz = as_float_points(xyz_in, "point cloud for neighbour grouping");
    const at::Tensor centers = as_float_points(centers_in, "group centres");
    const int64_t batch = xyz.size(0), n = xyz.size(1), groups = centers.size(1);
    if (centers.size(0) != batch) throw Error("The group centres and the point cloud have different batch sizes.");
    if (k <= 0) throw Error("Neighbour grouping needs a positive neighbour count.");
    if (k > n)
        throw Error("The point cloud has only " + std::to_string(n) + " points, fewer than the " + std::to_string(k) +
                    " neighbours each group needs; use a denser point cloud.");

    at::Tensor out = at::empty({batch, groups, k}, at::kLong);
    int64_t* result = out.data_ptr<int64_t>();
    const float* points = xyz.data_ptr<float>();
    const float* cents = centers.data_ptr<float>();
    require_finite(points, xyz.numel());
    require_finite(cents, centers.numel());

    // |p|^2 once per point, as the reference computes it once per cloud.
    std::vector<float> point_norm(batch * n);
    for (int64_t i = 0; i < batch * n; ++i)
        point_norm[i] = squared_norm(points[3 * i], points[3 * i + 1], points[3 * i + 2]);

    at::parallel_for(0, batch * groups, 16, [&](int64_t begin, int64_t end) {
        std::vector<float> d(n);
        std::vector<int32_t> order(n);
        for (int64_t bg = begin; bg < end; ++bg) {
            const int64_t b = bg / groups;
            const float* c = cents + bg * 3;
            const float cc = squared_norm(c[0], c[1], c[2]);
            const float* p = points + b * n * 3;
            const float* pn = point_norm.data() + b * n;
            for (int64_t i = 0; i < n; ++i)
                d[i] = expanded_sqdist(c[0], c[1], c[2], cc, p[3 * i], p[3 * i + 1], p[3 * i + 2], pn[i]);
            std::iota(order.begin(), order.end(), 0);
            const auto closer = [&](int32_t a, int32_t b2) { return d[a] < d[b2] || (d[a] == d[b2] && a < b2); };
            std::nth_element(order.begin(), order.begin() + (k - 1), order.end(), closer);
            std::sort(order.begin(), order.begin() + k, closer);
            for (int64_t j = 0; j < k; ++j) result[bg * k + j] = order[j];
        }
    });
    return out;
}

at::Tensor knn_squared_distances(const at::Tensor& xyz_in, const at::Tensor& centers_in, const at::Tensor& knn_idx) {
    const at::Tensor xyz = as_float_points(xyz_in, "point cloud for neighbour grouping");
    const at::Tensor centers = as_float_points(centers_in, "group centres");
    const at::Tensor idx = knn_idx.to(at::kLong).contiguous();
    if (idx.dim() != 3 || idx.size(0) != xyz.size(0) || centers.size(0) != xyz.size(0) || idx.size(1) != centers.size(1))
        throw Error("The neighbour indices must be a [batch, groups, k] tensor matching the centres.");
    const int64_t batch = xyz.size(0), n = xyz.size(1), groups = centers.size(1), k = idx.size(2);
    if (idx.numel() > 0 && (idx.min().item<int64_t>() < 0 || idx.max().item<int64_t>() >= n))
        throw Error("A neighbour index lies outside the point cloud.");
    at::Tensor out = at::empty({batch, groups, k}, at::kFloat);
    float* o = out.data_ptr<float>();
    const float* points = xyz.data_ptr<float>();
    const float* cents = centers.data_ptr<float>();
    const int64_t* ix = idx.data_ptr<int64_t>();
    for (int64_t bg = 0; bg < batch * groups; ++bg) {
        const float* c = cents + bg * 3;
        const float cc = squared_norm(c[0], c[1], c[2]);
        const float* p = points + (bg / groups) * n * 3;
        for (int64_t j = 0; j < k; ++j) {
            const float* q = p + 3 * ix[bg * k + j];
            o[bg * k + j] = expanded_sqdist(c[0], c[1], c[2], cc, q[0], q[1], q[2], squared_norm(q[0], q[1], q[2]));
        }
    }
    return out;
}

}  // namespace ibllm
