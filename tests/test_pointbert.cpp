// Parity of the Point-Bind 3D encoder (Point-BERT trunk, projection, head, post-processor)
// and its farthest-point / KNN grouping with the reference goldens in tests/data/imagebind,
// plus the product's point-cloud preparation and the user-facing errors.
#include "test_paths.h"
#include "engine/checkpoint/tensor_store.h"
#include "engine/error.h"
#include "engine/imagebind/pointbert/point_bert_config.h"
#include "engine/imagebind/pointbert/point_cloud_prep.h"
#include "engine/imagebind/pointbert/point_encoder.h"
#include "engine/imagebind/pointbert/point_sampling.h"

#include <ATen/ATen.h>
#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <string>

using namespace ibllm;

namespace {

const std::string kData = ibllm::test::data_path("imagebind/");

// README "Recommended tolerances": encoder outputs and intermediates atol 1e-4 + rtol 1e-4;
// FPS indices and KNN sets exact.
constexpr double kAtol = 1e-4;
constexpr double kRtol = 1e-4;
// bf16 compute is an option, not parity: the embedding's direction must survive it.
constexpr double kBf16MinCosine = 0.99;

nlohmann::json read_json(const std::string& path) {
    std::ifstream in(path);
    nlohmann::json j;
    in >> j;
    return j;
}

template <typename F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return {};
}

// Largest amount by which |actual - expected| exceeds atol + rtol * |expected| (<= 0 passes).
double worst_excess(const at::Tensor& actual, const at::Tensor& expected, double atol, double rtol) {
    const at::Tensor a = actual.reshape(-1).to(at::kDouble), e = expected.reshape(-1).to(at::kDouble);
    return ((a - e).abs() - (atol + rtol * e.abs())).max().item<double>();
}

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
    return (a.reshape(-1).to(at::kDouble) - b.reshape(-1).to(at::kDouble)).abs().max().item<double>();
}

double cosine(const at::Tensor& a, const at::Tensor& b) {
    const at::Tensor x = a.reshape(-1).to(at::kDouble), y = b.reshape(-1).to(at::kDouble);
    return (x.dot(y) / (x.norm() * y.norm())).item<double>();
}

bool equal_exactly(const at::Tensor& a, const at::Tensor& b) {
    return a.sizes() == b.sizes() && at::equal(a.to(at::kLong), b.to(at::kLong));
}

#define COMPARE_CLOSE(actual, expected)                                                                             \
    do {                                                                                                          \
        const at::Tensor _a = (actual), _e = (expected);                                                          \
        QVERIFY2(_a.sizes() == _e.sizes(), qPrintable(QString("shape mismatch for %1").arg(#actual)));            \
        const double _x = worst_excess(_a, _e, kAtol, kRtol);                                                      \
        QVERIFY2(_x <= 0, qPrintable(QString("%1: max abs diff %2 exceeds atol %3 + rtol %4")                    \
                                         .arg(#actual).arg(max_abs_diff(_a, _e)).arg(kAtol).arg(kRtol)));         \
    } while (0)

// The reference's FPS, step by step with whole-tensor ops exactly as misc.fps writes it
// (start pinned), to check the fast loop on clouds the fixture does not cover.
at::Tensor fps_with_tensor_ops(const at::Tensor& xyz, int64_t n, int64_t start) {
    const int64_t B = xyz.size(0), N = xyz.size(1);
    at::Tensor out = at::zeros({B, n}, at::kLong);
    at::Tensor distance = at::ones({B, N}, at::kFloat) * 1e10;
    at::Tensor farthest = at::full({B}, start, at::kLong);
    const at::Tensor batch = at::arange(B, at::kLong);
    for (int64_t i = 0; i < n; ++i) {
        out.select(1, i).copy_(farthest);
        const at::Tensor centroid = xyz.index({batch, farthest}).view({B, 1, 3});
        const at::Tensor d = ((xyz - centroid).pow(2)).sum(-1);
        distance = at::min(distance, d);
        farthest = std::get<1>(distance.max(-1));
    }
    return out;
}

// Re-orders the golden neighbourhood ([1, G, M, 3] in golden knn order) into `mine` order.
at::Tensor reorder_neighbourhood(const at::Tensor& golden_nb, const at::Tensor& golden_idx, const at::Tensor& my_idx) {
    const int64_t G = golden_idx.size(1), M = golden_idx.size(2);
    at::Tensor out = at::empty_like(golden_nb);
    const at::Tensor gi = golden_idx.contiguous(), mi = my_idx.contiguous();
    const int64_t* g = gi.data_ptr<int64_t>();
    const int64_t* m = mi.data_ptr<int64_t>();
    for (int64_t grp = 0; grp < G; ++grp) {
        std::map<int64_t, int64_t> position;
        for (int64_t j = 0; j < M; ++j) position[g[grp * M + j]] = j;
        for (int64_t j = 0; j < M; ++j) {
            const auto it = position.find(m[grp * M + j]);
            const int64_t src = it == position.end() ? 0 : it->second;  // sets are checked separately
            out[0][grp][j].copy_(golden_nb[0][grp][src]);
        }
    }
    return out;
}

}  // namespace

class TestPointBert : public QObject {
    Q_OBJECT

private:
    std::optional<TensorStore> weights_, golden_, preprocess_;
    PointBertConfig tiny_;

    const PointEncoder& encoder() {
        static std::optional<PointEncoder> enc;
        if (!enc) enc.emplace(*weights_, tiny_, at::kFloat);
        return *enc;
    }

private Q_SLOTS:
    void initTestCase() {
        weights_.emplace(TensorStore::from_pth(kData + "imagebind.pth"));
        golden_.emplace(TensorStore::from_pth(kData + "golden.pth"));
        preprocess_.emplace(TensorStore::from_pth(kData + "preprocess.pth"));
        const nlohmann::json cfg = read_json(kData + "imagebind_config.json");
        tiny_ = PointBertConfig::from_json(cfg["point"], cfg["out_embed_dim"].get<int64_t>(), "imagebind_config.json");
    }

    // --- configuration -----------------------------------------------------------------

    void huge_preset_equals_huge_config() {
        const nlohmann::json cfg = read_json(kData + "imagebind_huge_config.json");
        const PointBertConfig from_file = PointBertConfig::from_json(cfg["point"], cfg["out_embed_dim"].get<int64_t>());
        QVERIFY(PointBertConfig::huge() == from_file);
        QCOMPARE(PointBertConfig::huge().trans_dim, int64_t(384));
        QCOMPARE(PointBertConfig::huge().num_group, int64_t(512));
        QCOMPARE(PointBertConfig::huge().out_embed_dim, int64_t(1024));
        QVERIFY(PointBertConfig::huge() != tiny_);
    }

    void tiny_config_is_read() {
        QCOMPARE(tiny_.trans_dim, int64_t(48));
        QCOMPARE(tiny_.depth, int64_t(2));
        QCOMPARE(tiny_.num_heads, int64_t(4));
        QCOMPARE(tiny_.group_size, int64_t(32));
        QCOMPARE(tiny_.num_group, int64_t(64));
        QCOMPARE(tiny_.encoder_dims, int64_t(64));
        QCOMPARE(tiny_.mlp_hidden_dim, int64_t(192));
        QCOMPARE(tiny_.pc_projection_shape[0], int64_t(96));
        QCOMPARE(tiny_.out_embed_dim, int64_t(32));
        QCOMPARE(tiny_.head_ln_eps, 1e-6);
        QCOMPARE(tiny_.block_ln_eps, 1e-5);
    }

    void bad_config_names_the_file() {
        nlohmann::json point = read_json(kData + "imagebind_config.json")["point"];
        point.erase("trans_dim");
        const std::string e = error_of([&] { PointBertConfig::from_json(point, 32, "my_config.json"); });
        QVERIFY2(e.find("my_config.json") != std::string::npos && e.find("trans_dim") != std::string::npos, e.c_str());
        nlohmann::json odd = read_json(kData + "imagebind_config.json")["point"];
        odd["num_heads"] = 5;  // 48 is not divisible by 5
        QVERIFY(!error_of([&] { PointBertConfig::from_json(odd, 32, "my_config.json"); }).empty());
    }

    // The names and shapes the loader requires under huge() are those of imagebind_w3D.pth.
    void huge_weight_shapes_match_real_checkpoint() {
        const nlohmann::json list = read_json(kData + "imagebind_huge_state_dict_shapes.json");
        std::map<std::string, std::vector<int64_t>> file;
        for (const auto& e : list) {
            const std::string name = e[0].get<std::string>();
            if (name.rfind("point_trunk.", 0) == 0 || name.rfind("modality_heads.point.", 0) == 0 ||
                name.rfind("modality_postprocessors.point.", 0) == 0)
                file[name] = e[1].get<std::vector<int64_t>>();
        }
        QVERIFY(file.size() > 100);
        std::map<std::string, std::vector<int64_t>> required;
        for (const auto& [name, shape] : PointEncoder::weight_shapes(PointBertConfig::huge())) required[name] = shape;
        for (const auto& [name, shape] : required) {
            const auto it = file.find(name);
            QVERIFY2(it != file.end(), qPrintable(QString::fromStdString("missing in the real checkpoint: " + name)));
            QVERIFY2(it->second == shape, qPrintable(QString::fromStdString("shape differs: " + name)));
        }
        // Everything the real checkpoint has for points is read, except BatchNorm's step counter.
        for (const auto& [name, shape] : file) {
            const bool counter = name.find("num_batches_tracked") != std::string::npos;
            QVERIFY2(counter || required.count(name), qPrintable(QString::fromStdString("not read: " + name)));
        }
    }

    void tiny_checkpoint_loads() {
        QVERIFY(PointEncoder::present(*weights_));
        QCOMPARE(encoder().config().trans_dim, int64_t(48));
        // exp(log_logit_scale), clipped at 100 (the fixture randomised it around 1).
        const float expected = std::min(std::exp(weights_->get("modality_postprocessors.point.1.log_logit_scale").item<float>()), 100.0f);
        QCOMPARE(encoder().logit_scale(), expected);
    }

    // --- sampling ----------------------------------------------------------------------

    void fps_matches_golden() {
        const at::Tensor xyz = golden_->get("point.input");
        QCOMPARE(xyz.sizes(), at::IntArrayRef({1, 2048, 3}));
        const at::Tensor idx = farthest_point_sample(xyz, tiny_.num_group, 0);
        QVERIFY(equal_exactly(idx, golden_->get("point.fps_idx")));
    }

    void fps_matches_tensor_op_reference() {
        at::manual_seed(3);
        const at::Tensor xyz = at::rand({2, 3001, 3}) * 4 - 2;  // 3001: a tail after the vector lanes
        QVERIFY(equal_exactly(farthest_point_sample(xyz, 700, 0), fps_with_tensor_ops(xyz, 700, 0)));
        QVERIFY(equal_exactly(farthest_point_sample(xyz, 50, 17), fps_with_tensor_ops(xyz, 50, 17)));
        // More samples than points: the reference keeps going and repeats index 0.
        const at::Tensor few = at::rand({1, 10, 3});
        QVERIFY(equal_exactly(farthest_point_sample(few, 14, 0), fps_with_tensor_ops(few, 14, 0)));
    }

    // The sampler skips far regions; these clouds make sure that never changes a pick.
    void fps_exact_on_structured_clouds() {
        at::manual_seed(4);
        // A surface-like cloud (noisy sphere shell), in random order, far from the origin.
        at::Tensor shell = at::randn({1, 20000, 3});
        shell = shell / shell.norm(2, {2}, true) * (50.0 + 0.05 * at::randn({1, 20000, 1})) + 1000.0;
        QVERIFY(equal_exactly(farthest_point_sample(shell, 2500, 0), fps_with_tensor_ops(shell, 2500, 0)));
        // Dense clusters plus isolated outliers (a scanner's stray returns).
        at::Tensor clusters = at::cat({at::randn({1, 6000, 3}) * 0.01, at::randn({1, 6000, 3}) * 0.01 + 3.0,
                                       at::rand({1, 40, 3}) * 100.0 - 50.0},
                                      1);
        clusters = clusters.index_select(1, at::randperm(clusters.size(1)));
        QVERIFY(equal_exactly(farthest_point_sample(clusters, 3000, 5), fps_with_tensor_ops(clusters, 3000, 5)));
        // An integer grid with duplicates, shuffled: exact distance ties everywhere, so the
        // first-index rule decides most picks.
        const at::Tensor axis = at::arange(16, at::kFloat);
        const auto g = at::meshgrid({axis, axis, axis}, "ij");
        at::Tensor grid = at::stack({g[0].reshape(-1), g[1].reshape(-1), g[2].reshape(-1)}, 1);
        grid = at::cat({grid, grid.narrow(0, 0, 1000)}, 0);
        grid = grid.index_select(0, at::randperm(grid.size(0))).unsqueeze(0).contiguous();
        QVERIFY(equal_exactly(farthest_point_sample(grid, 5096, 0), fps_with_tensor_ops(grid, 5096, 0)));
        // Tiny coordinates (squares near float32's underflow range).
        const at::Tensor tiny = at::rand({1, 3000, 3}) * 1e-18;
        QVERIFY(equal_exactly(farthest_point_sample(tiny, 300, 0), fps_with_tensor_ops(tiny, 300, 0)));
    }

    void fps_takes_the_first_index_among_ties() {
        // 19 points at the origin except two equally far ones in different vector lanes and one
        // in the tail: the first index must win each time.
        at::Tensor xyz = at::zeros({1, 19, 3});
        xyz[0][5][0] = 2.0f;
        xyz[0][13][0] = -2.0f;
        xyz[0][17][1] = 2.0f;
        xyz[0][3][2] = -1.0f;
        const at::Tensor idx = farthest_point_sample(xyz, 6, 0);
        const std::vector<int64_t> expected{0, 5, 13, 17, 3, 0};
        QCOMPARE(std::vector<int64_t>(idx.data_ptr<int64_t>(), idx.data_ptr<int64_t>() + 6), expected);
    }

    void knn_sets_match_golden() {
        const at::Tensor xyz = golden_->get("point.input");
        const at::Tensor centers = xyz.index_select(1, golden_->get("point.fps_idx").view(-1));
        COMPARE_CLOSE(centers, golden_->get("point.center"));
        const at::Tensor idx = knn_indices(xyz, centers, tiny_.group_size);
        const at::Tensor golden_sorted = golden_->get("point.knn_idx_sorted");
        // Sets: exact.
        QVERIFY(equal_exactly(std::get<0>(idx.sort(-1)), std::get<0>(golden_->get("point.knn_idx").sort(-1))));
        // Order (ascending distance, then index) reproduces the reference's sorted listing.
        QVERIFY(equal_exactly(idx, golden_sorted));
        const at::Tensor d = knn_squared_distances(xyz, centers, idx);
        QVERIFY2(max_abs_diff(d, golden_->get("point.knn_sqdist_sorted")) <= 1e-6,
                 qPrintable(QString("sqdist diff %1").arg(max_abs_diff(d, golden_->get("point.knn_sqdist_sorted")))));
    }

    void knn_order_is_distance_then_index() {
        // Duplicated points tie exactly: the lower index comes first.
        at::Tensor xyz = at::zeros({1, 6, 3});
        xyz[0][0][0] = 3.0f;
        xyz[0][1][0] = 1.0f;
        xyz[0][2][0] = 2.0f;
        xyz[0][3][0] = 1.0f;
        xyz[0][4][0] = 5.0f;
        xyz[0][5][0] = 2.0f;
        const at::Tensor c = at::zeros({1, 1, 3});
        const at::Tensor idx = knn_indices(xyz, c, 4);
        const std::vector<int64_t> expected{1, 3, 2, 5};
        QCOMPARE(std::vector<int64_t>(idx.data_ptr<int64_t>(), idx.data_ptr<int64_t>() + 4), expected);
        QVERIFY(!error_of([&] { knn_indices(xyz, c, 7); }).empty());
    }

    // Informational: FPS cost at the sizes the product runs (printed, loosely bounded).
    void fps_speed() {
        at::manual_seed(1);
        const at::Tensor big = at::rand({1, 100000, 3});
        auto t0 = std::chrono::steady_clock::now();
        const at::Tensor idx = farthest_point_sample(big, 8192, 0);
        const double big_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const at::Tensor cloud = big.index_select(1, idx.view(-1));
        t0 = std::chrono::steady_clock::now();
        farthest_point_sample(cloud, 512, 0);
        const double small_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        t0 = std::chrono::steady_clock::now();
        const at::Tensor centres = cloud.index_select(1, farthest_point_sample(cloud, 512, 0).view(-1));
        knn_indices(cloud, centres, 32);
        const double knn_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        qInfo("FPS 100000 -> 8192 points: %.3f s; FPS 8192 -> 512: %.4f s; FPS+KNN 8192 -> 512 x 32: %.4f s", big_s,
              small_s, knn_s);
        QVERIFY(big_s < 30.0);
    }

    // --- encoder -----------------------------------------------------------------------

    void encoder_matches_golden_intermediates() {
        PointTrace t;
        const at::Tensor out = encoder().forward(golden_->get("point.input"), &t);
        const TensorStore& g = *golden_;
        QVERIFY(equal_exactly(t.fps_idx, g.get("point.fps_idx")));
        QVERIFY(equal_exactly(std::get<0>(t.knn_idx.sort(-1)), std::get<0>(g.get("point.knn_idx").sort(-1))));
        COMPARE_CLOSE(t.center, g.get("point.center"));
        COMPARE_CLOSE(t.neighborhood, reorder_neighbourhood(g.get("point.neighborhood"), g.get("point.knn_idx"), t.knn_idx));
        COMPARE_CLOSE(t.group_feat, g.get("point.group_feat"));
        COMPARE_CLOSE(t.group_tokens, g.get("point.group_tokens"));
        COMPARE_CLOSE(t.group_pos, g.get("point.group_pos"));
        COMPARE_CLOSE(t.block0_out, g.get("point.block0_out"));
        COMPARE_CLOSE(t.blocks_out, g.get("point.blocks_out"));
        COMPARE_CLOSE(t.norm_out, g.get("point.norm_out"));
        COMPARE_CLOSE(t.encoder_out, g.get("point.encoder_out"));
        COMPARE_CLOSE(t.trunk_out, g.get("point.trunk_out"));
        COMPARE_CLOSE(t.head_out, g.get("point.head_out"));
        COMPARE_CLOSE(t.post_per_item, g.get("point.post_per_item"));
        COMPARE_CLOSE(out, g.get("point.output"));
        qInfo("point output max abs diff vs reference: %.3g", max_abs_diff(out, g.get("point.output")));
    }

    void chain_from_pt_file() {
        // The real .pt asset, read by the checkpoint reader as the reference's torch.load does.
        const TensorStore pt = TensorStore::from_pth(kData + "assets/airplane.pt");
        QCOMPARE(pt.size(), size_t(1));
        const at::Tensor raw = pt.get(pt.names().front());
        const at::Tensor input = reference_point_input(raw);
        QCOMPARE(input.scalar_type(), at::kFloat);
        QVERIFY(at::equal(input, preprocess_->get("points.airplane.from_pt")));

        PointTrace t;
        const at::Tensor out = encoder().forward(input, &t);
        QVERIFY(equal_exactly(t.fps_idx, preprocess_->get("chain.point.airplane.fps_idx")));
        QVERIFY(equal_exactly(std::get<0>(t.knn_idx.sort(-1)),
                              std::get<0>(preprocess_->get("chain.point.airplane.knn_idx_sorted").sort(-1))));
        QVERIFY(equal_exactly(t.knn_idx, preprocess_->get("chain.point.airplane.knn_idx_sorted")));
        COMPARE_CLOSE(out, preprocess_->get("chain.point.airplane.output"));
    }

    void chain_from_float64_cloud() {
        // open3d's .ply/.pcd/.xyz loaders give float64; the reference path keeps it, the encoder casts.
        for (const char* key : {"points.airplane.from_ply", "points.airplane.from_pcd", "points.airplane.from_xyz"}) {
            const at::Tensor input = reference_point_input(preprocess_->get(key).select(0, 0));
            QCOMPARE(input.scalar_type(), at::kDouble);
            PointTrace t;
            const at::Tensor out = encoder().forward(input, &t);
            QVERIFY(equal_exactly(t.fps_idx, preprocess_->get("chain.point.airplane.fps_idx")));
            COMPARE_CLOSE(out, preprocess_->get("chain.point.airplane.output"));
        }
    }

    void bf16_stays_close_to_fp32() {
        const PointEncoder bf16(*weights_, tiny_, at::kBFloat16);
        QCOMPARE(bf16.dtype(), at::kBFloat16);
        const at::Tensor a = bf16.forward(golden_->get("point.input"));
        const at::Tensor b = bf16.forward(preprocess_->get("points.airplane.from_pt"));
        QCOMPARE(a.scalar_type(), at::kFloat);
        const double ca = cosine(a, golden_->get("point.output"));
        const double cb = cosine(b, preprocess_->get("chain.point.airplane.output"));
        qInfo("bf16 vs fp32 reference cosine: random cloud %.5f, airplane %.5f (required >= %.2f)", ca, cb, kBf16MinCosine);
        QVERIFY(ca >= kBf16MinCosine);
        QVERIFY(cb >= kBf16MinCosine);
    }

    void batch_of_two_equals_two_singles() {
        const at::Tensor a = golden_->get("point.input");
        const at::Tensor b = preprocess_->get("points.airplane.from_pt").narrow(1, 0, 2048);
        const at::Tensor both = encoder().forward(at::cat({a, b}, 0));
        COMPARE_CLOSE(both.narrow(0, 0, 1), encoder().forward(a));
        COMPARE_CLOSE(both.narrow(0, 1, 1), encoder().forward(b));
    }

    void cancel_throws_cancelled() {
        std::atomic<bool> cancel{true};
        bool cancelled = false;
        try {
            encoder().forward(golden_->get("point.input"), nullptr, &cancel);
        } catch (const Cancelled&) {
            cancelled = true;
        }
        QVERIFY(cancelled);
        cancel = false;
        QCOMPARE(encoder().forward(golden_->get("point.input"), nullptr, &cancel).size(1), int64_t(32));
    }

    void encoder_input_errors() {
        QVERIFY(!error_of([&] { encoder().forward(at::rand({1, 20, 3})); }).empty());  // fewer than group_size
        QVERIFY(!error_of([&] { encoder().forward(at::rand({1, 100, 2})); }).empty());
        at::Tensor nan_cloud = at::rand({1, 100, 3});
        nan_cloud[0][7][1] = std::numeric_limits<float>::quiet_NaN();
        QVERIFY(error_of([&] { encoder().forward(nan_cloud); }).find("NaN") != std::string::npos);
    }

    void wrong_checkpoint_names_the_file() {
        // The tiny checkpoint under the huge sizes: a shape mismatch that names the file.
        const std::string e = error_of([&] { PointEncoder(*weights_, PointBertConfig::huge()); });
        QVERIFY2(e.find("imagebind.pth") != std::string::npos, e.c_str());
        // A checkpoint without the 3D encoder (plain ImageBind-huge).
        TensorStore vision_only("imagebind_huge.pth");
        vision_only.add("modality_trunks.vision.blocks.0.norm_1.weight", at::ones({8}));
        QVERIFY(!PointEncoder::present(vision_only));
        const std::string e2 = error_of([&] { PointEncoder(vision_only, tiny_); });
        QVERIFY2(e2.find("imagebind_huge.pth") != std::string::npos && e2.find("imagebind_w3D.pth") != std::string::npos,
                 e2.c_str());
    }

    // --- preparation -------------------------------------------------------------------

    void reference_input_keeps_points_and_dtype() {
        const at::Tensor p = at::rand({100, 3}, at::kDouble);
        const at::Tensor r = reference_point_input(p);
        QCOMPARE(r.sizes(), at::IntArrayRef({1, 100, 3}));
        QCOMPARE(r.scalar_type(), at::kDouble);
        QVERIFY(at::equal(r[0], p));
        QVERIFY(!error_of([&] { reference_point_input(at::rand({100, 4})); }).empty());
        QVERIFY(!error_of([&] { reference_point_input(at::rand({0, 3})); }).empty());
    }

    void prepare_centres_scales_and_samples() {
        at::manual_seed(5);
        const at::Tensor cloud = at::rand({20000, 3}, at::kDouble) * at::tensor({4.0, 1.0, 2.0}, at::kDouble) + 7.0;
        const PreparedCloud c = prepare_user_point_cloud(cloud);
        QCOMPARE(c.points.sizes(), at::IntArrayRef({1, 8192, 3}));
        QCOMPARE(c.points.scalar_type(), at::kFloat);
        QCOMPARE(c.original_count, int64_t(20000));
        QCOMPARE(c.valid_count, int64_t(20000));
        QVERIFY(c.downsampled);
        QVERIFY(c.normalised);
        // The prepared points are FPS picks of the normalised whole cloud (start at the first).
        const at::Tensor whole = ((cloud - cloud.mean(0)) / c.scale).to(at::kFloat);
        QVERIFY(max_abs_diff(whole.norm(2, {1}).max(), at::ones({1})) <= 1e-6);
        const at::Tensor idx = farthest_point_sample(whole.unsqueeze(0), 8192, 0);
        QVERIFY(at::equal(c.points, whole.index_select(0, idx.view(-1)).unsqueeze(0)));
        // Centred at the centroid of the input, largest norm 1.
        QVERIFY(std::abs(c.centre[0] - cloud.select(1, 0).mean().item<double>()) < 1e-9);
        QVERIFY(whole.mean(0).abs().max().item<double>() < 1e-6);
        QVERIFY(std::abs(c.points.norm(2, {2}).max().item<double>() - 1.0) <= 1e-6);
    }

    void prepare_is_scale_and_translation_invariant() {
        at::manual_seed(6);
        const at::Tensor cloud = at::randn({12000, 3}, at::kDouble);
        const at::Tensor moved = cloud * 3.7 + at::tensor({10.0, -5.0, 2.5}, at::kDouble);
        const PreparedCloud a = prepare_user_point_cloud(cloud);
        const PreparedCloud b = prepare_user_point_cloud(moved);
        QVERIFY2(max_abs_diff(a.points, b.points) <= 1e-5, qPrintable(QString::number(max_abs_diff(a.points, b.points))));
        QVERIFY(std::abs(b.scale / a.scale - 3.7) < 1e-9);
        QVERIFY(std::abs(b.centre[1] - (3.7 * a.centre[1] - 5.0)) < 1e-9);
    }

    void prepare_keeps_small_clouds() {
        const at::Tensor cloud = at::rand({3000, 3});
        const PreparedCloud c = prepare_user_point_cloud(cloud);
        QCOMPARE(c.points.size(1), int64_t(3000));
        QVERIFY(!c.downsampled);
        // Same order as given, only centred and scaled.
        const at::Tensor d = cloud.to(at::kDouble);
        const at::Tensor expected = ((d - d.mean(0)) / c.scale).to(at::kFloat);
        QVERIFY(max_abs_diff(c.points[0], expected) <= 1e-7);
        // A prepared small cloud still runs through the encoder.
        QCOMPARE(encoder().forward(c.points).size(1), int64_t(32));
    }

    void prepare_drops_non_finite_rows() {
        at::Tensor cloud = at::rand({500, 3}, at::kDouble);
        cloud[3][0] = std::numeric_limits<double>::quiet_NaN();
        cloud[10][2] = std::numeric_limits<double>::infinity();
        cloud[499][1] = -std::numeric_limits<double>::infinity();
        const PreparedCloud c = prepare_user_point_cloud(cloud);
        QCOMPARE(c.original_count, int64_t(500));
        QCOMPARE(c.valid_count, int64_t(497));
        QCOMPARE(c.points.size(1), int64_t(497));
        QVERIFY(at::isfinite(c.points).all().item<bool>());
        // The kept rows are the finite ones, in order.
        const at::Tensor keep = at::cat({cloud.narrow(0, 0, 3), cloud.narrow(0, 4, 6), cloud.narrow(0, 11, 488)});
        QVERIFY(max_abs_diff(c.points[0], ((keep - keep.mean(0)) / c.scale).to(at::kFloat)) <= 1e-7);
    }

    void prepare_errors_name_the_file() {
        const std::string empty = error_of([] { prepare_user_point_cloud(at::zeros({0, 3}), 8192, "scan.ply"); });
        QVERIFY2(empty.find("scan.ply") != std::string::npos && empty.find("no points") != std::string::npos, empty.c_str());
        const std::string all_nan = error_of(
            [] { prepare_user_point_cloud(at::full({50, 3}, std::numeric_limits<float>::quiet_NaN()), 8192, "scan.ply"); });
        QVERIFY2(all_nan.find("scan.ply contains no valid points") != std::string::npos, all_nan.c_str());
        const std::string few = error_of([] { prepare_user_point_cloud(at::rand({10, 3}), 8192, "scan.ply"); });
        QVERIFY2(few.find("scan.ply") != std::string::npos && few.find("10") != std::string::npos, few.c_str());
        const std::string shape = error_of([] { prepare_user_point_cloud(at::rand({100, 2}), 8192, "scan.ply"); });
        QVERIFY2(shape.find("scan.ply") != std::string::npos, shape.c_str());
    }
};

QTEST_APPLESS_MAIN(TestPointBert)
#include "test_pointbert.moc"
