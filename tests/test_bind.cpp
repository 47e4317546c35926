// Parity of the bind module (fusion, FAISS visual cache, bridge) with the reference
// forward_visual goldens in tests/data/llama_adapter, plus its user-facing errors.
#include "test_paths.h"
#include "engine/bind/bind_network.h"
#include "engine/bind/fusion.h"
#include "engine/bind/visual_cache.h"
#include "engine/checkpoint/tensor_store.h"
#include "engine/error.h"

#include <ATen/ATen.h>
#include <QTemporaryDir>
#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <optional>
#include <string>

using namespace ibllm;

namespace {

const std::string kData = ibllm::test::data_path("llama_adapter/");

// README tolerances for a float32 reimplementation.
constexpr double kPreProjTolerance = 1e-5;
constexpr double kQueryTolerance = 1e-4;
constexpr double kSimTolerance = 1e-5;

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
    return (a.reshape(-1).to(at::kDouble) - b.reshape(-1).to(at::kDouble)).abs().max().item<double>();
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

}  // namespace

class TestBind : public QObject {
    Q_OBJECT

    std::optional<TensorStore> golden_;
    std::optional<TensorStore> adapter_;
    nlohmann::json cases_;

    // The reference forward_visual inputs of one golden case, raw (not normalised).
    std::vector<WeightedEmbedding> case_inputs(const std::string& name) const {
        const auto& c = cases_.at(name);
        std::vector<WeightedEmbedding> inputs;
        for (size_t i = 0; i < c.at("weights").size(); ++i) {
            const std::string key = c.at("raw_input_keys")[i];
            const double scale = c.at("raw_input_scale")[i];
            at::Tensor raw = golden_->get(key);
            // Scaling a float32 tensor by a Python float, as the generator did for fused_scaled.
            inputs.push_back({scale == 1.0 ? raw : raw * scale, c.at("weights")[i].get<double>()});
        }
        return inputs;
    }

private Q_SLOTS:
    void initTestCase() {
        golden_.emplace(TensorStore::from_pth(kData + "golden.pth"));
        adapter_.emplace(TensorStore::from_pth(kData + "adapter.pth", "model"));
        std::ifstream json_file(kData + "golden.json");
        QVERIFY(json_file.good());
        cases_ = nlohmann::json::parse(json_file).at("visual").at("cases");
        QCOMPARE(int(cases_.size()), 5);
    }

    void fusion_matches_reference_pre_proj_data() {
        QTest::addColumn<QString>("name");
        for (const char* name : {"fused", "single", "fused_scaled"}) QTest::newRow(name) << name;
    }
    void fusion_matches_reference_pre_proj() {
        QFETCH(QString, name);
        const std::string c = name.toStdString();
        const at::Tensor fused = fuse_embeddings(case_inputs(c));
        QCOMPARE(fused.scalar_type(), at::kFloat);
        QCOMPARE(fused.dim(), int64_t(2));
        QCOMPARE(fused.size(0), int64_t(1));
        const at::Tensor expected = golden_->get("visual." + c + ".pre_proj");
        QCOMPARE(fused.numel(), expected.numel());
        const double diff = max_abs_diff(fused, expected);
        qInfo("pre_proj max abs diff %.3g", diff);
        QVERIFY2(diff <= kPreProjTolerance, qPrintable(QString("max abs diff %1").arg(diff)));
    }

    void fusion_is_not_renormalised() {
        // One modality of weight 1 is scaled by 1/(1+1e-6) and otherwise left unit length.
        const at::Tensor fused = fuse_embeddings({{golden_->get("visual.inputs.image"), 1.0}});
        QVERIFY(std::abs(fused.norm().item<double>() - 1.0 / (1.0 + 1e-6)) < 3e-7);
        // A scaled input gives the same result: each input is normalised first.
        const at::Tensor scaled =
            fuse_embeddings({{golden_->get("visual.inputs.image") * 7.0, 1.0}});
        QVERIFY(max_abs_diff(fused, scaled) < 1e-6);
    }

    void cache_opens_index() {
        const auto cache = VisualCache::open(kData + "knn.index");
        QCOMPARE(cache->dim(), 32);
        QCOMPARE(cache->size(), int64_t(200));
    }

    void cache_matches_reference_knn_data() {
        QTest::addColumn<QString>("name");
        for (const char* name : {"knn", "knn_single"}) QTest::newRow(name) << name;
    }
    void cache_matches_reference_knn() {
        QFETCH(QString, name);
        const std::string c = name.toStdString();
        const auto cache = VisualCache::open(kData + "knn.index");
        const at::Tensor fused = fuse_embeddings(case_inputs(c));
        VisualCache::Hits hits;
        const at::Tensor enhanced = cache->enhance(fused, CacheSettings{true, 10, 20.0, 0.5}, &hits);

        const std::vector<int64_t> expected_ids = cases_.at(c).at("topk_ids");
        QVERIFY(hits.ids == expected_ids);
        const at::Tensor expected_sims = golden_->get("visual." + c + ".topk_sims");
        QCOMPARE(int64_t(hits.sims.size()), expected_sims.numel());
        const at::Tensor sims = at::tensor(at::ArrayRef<float>(hits.sims));
        QVERIFY(max_abs_diff(sims, expected_sims) <= kSimTolerance);
        // Sorted best first, as faiss returns them.
        for (size_t i = 1; i < hits.sims.size(); ++i) QVERIFY(hits.sims[i - 1] >= hits.sims[i]);

        QVERIFY(enhanced.sizes() == at::IntArrayRef({1, 32}));
        const double diff = max_abs_diff(enhanced, golden_->get("visual." + c + ".pre_proj"));
        qInfo("pre_proj max abs diff %.3g, sims %.3g", diff, max_abs_diff(sims, expected_sims));
        QVERIFY2(diff <= kPreProjTolerance, qPrintable(QString("max abs diff %1").arg(diff)));
        QVERIFY(std::abs(enhanced.norm().item<double>() - 1.0) < 1e-5);
    }

    void cache_weight_zero_keeps_normalised_query() {
        const auto cache = VisualCache::open(kData + "knn.index");
        const at::Tensor fused = fuse_embeddings(case_inputs("fused"));
        const at::Tensor kept = cache->enhance(fused, CacheSettings{true, 10, 20.0, 0.0});
        QVERIFY(max_abs_diff(kept, fused / fused.norm()) < 1e-6);
    }

    void bind_network_reads_sizes() {
        const BindNetwork net(*adapter_, at::kFloat);
        QCOMPARE(net.visual_dim(), int64_t(32));
        QCOMPARE(net.dim(), int64_t(64));
        QCOMPARE(net.hidden_dim(), int64_t(256));
        QVERIFY(!net.is_legacy());
    }

    void bind_network_matches_reference_query_data() {
        QTest::addColumn<QString>("name");
        for (const char* name : {"fused", "single", "fused_scaled", "knn", "knn_single"})
            QTest::newRow(name) << name;
    }
    void bind_network_matches_reference_query() {
        QFETCH(QString, name);
        const std::string c = name.toStdString();
        const BindNetwork net(*adapter_, at::kFloat);
        const at::Tensor expected = golden_->get("visual." + c + ".query");

        // From the golden bridge input: the bridge alone.
        const at::Tensor from_golden = net.forward(golden_->get("visual." + c + ".pre_proj").reshape({1, -1}));
        QCOMPARE(from_golden.scalar_type(), at::kFloat);
        QVERIFY(from_golden.sizes() == at::IntArrayRef({1, 64}));
        double diff = max_abs_diff(from_golden, expected);
        QVERIFY2(diff <= kQueryTolerance, qPrintable(QString("bridge: max abs diff %1").arg(diff)));

        // End to end from the raw embeddings: fusion, optional cache, bridge.
        at::Tensor features = fuse_embeddings(case_inputs(c));
        if (cases_.at(c).at("knn").get<bool>())
            features = VisualCache::open(kData + "knn.index")->enhance(features, CacheSettings{});
        const double bridge_diff = diff;
        diff = max_abs_diff(net.forward(features), expected);
        qInfo("query max abs diff: bridge %.3g, end to end %.3g", bridge_diff, diff);
        QVERIFY2(diff <= kQueryTolerance, qPrintable(QString("end to end: max abs diff %1").arg(diff)));
    }

    void bind_network_bf16_close_to_fp32() {
        // bfloat16 keeps 8 mantissa bits (relative rounding 2^-9 ~ 2e-3 per value); over
        // four matmul stages the visual token may drift by a few 1e-2 at |values| ~ 3.
        // Bound: max abs diff <= 0.05 and relative L2 error <= 1e-2.
        const BindNetwork fp32(*adapter_, at::kFloat);
        const BindNetwork bf16(*adapter_, at::kBFloat16);
        QCOMPARE(bf16.dtype(), at::kBFloat16);
        for (const char* c : {"fused", "knn"}) {
            const at::Tensor input = golden_->get(std::string("visual.") + c + ".pre_proj").reshape({1, -1});
            const at::Tensor a = fp32.forward(input);
            const at::Tensor b = bf16.forward(input);
            QCOMPARE(b.scalar_type(), at::kFloat);
            const double diff = max_abs_diff(a, b);
            const double rel = ((a - b).norm() / a.norm()).item<double>();
            qInfo("bf16 vs fp32 (%s): max abs diff %.3g, relative L2 %.3g", c, diff, rel);
            QVERIFY(diff <= 0.05);
            QVERIFY(rel <= 1e-2);
            QVERIFY(diff > 0.0);  // it really ran in bf16
        }
    }

    void legacy_bridge_uses_layer_norm_and_biases() {
        // A legacy adapter (LayerNorm with bias, biased f1/f2/f3) built from the fixture's
        // weights. With zero biases and the biases at their LayerNorm defaults the blocks
        // compute LayerNorm(x) (eps 1e-5) instead of RMSNorm(x); checked against a
        // computation spelled out here.
        TensorStore legacy("legacy.pth");
        for (const std::string& name : adapter_->names()) legacy.add(name, adapter_->get(name));
        for (const char* n : {"1", "2", "3"}) {
            legacy.add(std::string("image_bind_norm_") + n + ".bias", at::full({64}, 0.01));
            legacy.add(std::string("image_bind_f1_") + n + ".bias", at::full({256}, 0.02));
            legacy.add(std::string("image_bind_f2_") + n + ".bias", at::full({64}, -0.03));
            legacy.add(std::string("image_bind_f3_") + n + ".bias", at::full({256}, 0.04));
        }
        const BindNetwork net(legacy, at::kFloat);
        QVERIFY(net.is_legacy());

        const at::Tensor input = golden_->get("visual.fused.pre_proj").reshape({1, -1});
        at::Tensor x = at::linear(input, adapter_->get("image_bind_proj.weight"), adapter_->get("image_bind_proj.bias"));
        for (const char* n : {"1", "2", "3"}) {
            const std::string s = n;
            const at::Tensor mean = x.mean(-1, true);
            const at::Tensor var = (x - mean).pow(2).mean(-1, true);
            const at::Tensor h = (x - mean) / (var + 1e-5).sqrt() * adapter_->get("image_bind_norm_" + s + ".weight") + 0.01;
            const at::Tensor a = at::linear(h, adapter_->get("image_bind_f1_" + s + ".weight")) + 0.02;
            const at::Tensor b = at::linear(h, adapter_->get("image_bind_f3_" + s + ".weight")) + 0.04;
            x = x + at::linear(a * at::sigmoid(a) * b, adapter_->get("image_bind_f2_" + s + ".weight")) - 0.03;
        }
        const double diff = max_abs_diff(net.forward(input), x);
        QVERIFY2(diff <= 1e-4, qPrintable(QString("max abs diff %1").arg(diff)));
        // And it differs from the RMSNorm bridge.
        QVERIFY(max_abs_diff(net.forward(input), golden_->get("visual.fused.query")) > 1e-2);
    }

    void fusion_errors() {
        QVERIFY(error_of([] { fuse_embeddings({}); }).find("none") != std::string::npos);
        const at::Tensor image = golden_->get("visual.inputs.image");
        QVERIFY(error_of([&] { fuse_embeddings({{image, 1.0}, {image, -1.0}}); })
                    .find("add up to zero") != std::string::npos);
        QVERIFY(error_of([&] { fuse_embeddings({{image, 0.0}}); }).find("add up to zero") != std::string::npos);
        QVERIFY(error_of([&] { fuse_embeddings({{image, 1.0}, {at::ones({16}), 1.0}}); })
                    .find("16-d") != std::string::npos);
        at::Tensor broken = image.clone();
        broken.view(-1)[3] = std::nan("");
        QVERIFY(error_of([&] { fuse_embeddings({{broken, 1.0}}); }).find("NaN") != std::string::npos);
        QVERIFY(!error_of([&] { fuse_embeddings({{at::ones({2, 32}), 1.0}}); }).empty());
        QVERIFY(!error_of([&] { fuse_embeddings({{image, std::nan("")}}); }).empty());
    }

    void cache_errors() {
        // Not an index at all: the message names the file.
        std::string message = error_of([] { VisualCache::open(kData + "golden.json"); });
        QVERIFY2(message.find("golden.json") != std::string::npos, message.c_str());
        message = error_of([] { VisualCache::open(kData + "no-such-knn.index"); });
        QVERIFY2(message.find("no-such-knn.index") != std::string::npos, message.c_str());

        const auto cache = VisualCache::open(kData + "knn.index");
        const at::Tensor fused = fuse_embeddings(case_inputs("fused"));
        message = error_of([&] { cache->enhance(fused, CacheSettings{true, 201, 20.0, 0.5}); });
        QVERIFY2(message.find("200") != std::string::npos && message.find("knn.index") != std::string::npos,
                 message.c_str());
        QVERIFY(!error_of([&] { cache->search(fused, 0); }).empty());
        QVERIFY(!error_of([&] { cache->enhance(fused, CacheSettings{true, 10, 0.0, 0.5}); }).empty());
        QVERIFY(!error_of([&] { cache->enhance(fused, CacheSettings{true, 10, 20.0, 1.5}); }).empty());
        message = error_of([&] { cache->search(at::ones({1, 64}), 10); });
        QVERIFY2(message.find("32-d") != std::string::npos, message.c_str());
        // k = ntotal is still valid.
        QCOMPARE(cache->search(fused, 200).ids.size(), size_t(200));
    }

    // A flat index whose header claims more than the file holds is refused before faiss
    // allocates what it claims (a cut-short download; the fuzz harness's corpus has more).
    void damaged_cache_files() {
        std::ifstream in(kData + "knn.index", std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        QCOMPARE(bytes.substr(0, 4), std::string("IxFI"));
        const QTemporaryDir dir;
        auto write = [&](const std::string& name, const std::string& content) {
            const std::string path = dir.filePath(QString::fromStdString(name)).toStdString();
            std::ofstream(path, std::ios::binary) << content;
            return path;
        };
        std::string message = error_of([&] { VisualCache::open(write("cut.index", bytes.substr(0, bytes.size() - 100))); });
        QVERIFY2(message.find("cut.index") != std::string::npos && message.find("cut short") != std::string::npos,
                 message.c_str());
        std::string huge = bytes;
        const int64_t claimed = int64_t(1) << 40;  // ntotal, at offset 8
        std::memcpy(huge.data() + 8, &claimed, 8);
        message = error_of([&] { VisualCache::open(write("huge.index", huge)); });
        QVERIFY2(message.find("huge.index") != std::string::npos && message.find("damaged") != std::string::npos,
                 message.c_str());
        message = error_of([&] { VisualCache::open(write("tiny.index", "Ix")); });
        QVERIFY2(message.find("tiny.index") != std::string::npos, message.c_str());
        QCOMPARE(VisualCache::open(write("whole.index", bytes))->size(), int64_t(200));
    }

    void bind_network_errors() {
        // golden.pth has no bridge weights: not an adapter.
        const std::string message = error_of([&] { BindNetwork(*golden_, at::kFloat); });
        QVERIFY2(message.find("image_bind_proj.weight") != std::string::npos, message.c_str());
        QVERIFY(!error_of([&] { BindNetwork(*adapter_, at::kHalf); }).empty());
        const BindNetwork net(*adapter_, at::kFloat);
        QVERIFY(error_of([&] { net.forward(at::ones({1, 64})); }).find("32-d") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestBind)
#include "test_bind.moc"
