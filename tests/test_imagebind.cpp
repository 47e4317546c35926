// Parity of the ImageBind encoders (vision, video, audio, text, depth, thermal, IMU) with the
// reference goldens of tests/data/imagebind (golden.pth, tiny random-weight model), every
// intermediate included; bf16 against float32; cancellation; load errors; and the built-in
// ImageBind-huge preset against the real model's config and state-dict shapes.
#include <ATen/ATen.h>
#include <QtTest/QtTest>

#include <atomic>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include "engine/checkpoint/tensor_store.h"
#include "engine/error.h"
#include "engine/imagebind/imagebind_config.h"
#include "engine/imagebind/imagebind_model.h"
#include "engine/imagebind/imagebind_weight_layout.h"
#include "golden.h"

using namespace ibllm;
using namespace ibllm::test;

Q_DECLARE_METATYPE(ibllm::ImageBindTrunk)

namespace {

// README: encoder outputs and intermediates within atol 1e-4 + rtol 1e-4.
constexpr double kAtol = 1e-4;
constexpr double kRtol = 1e-4;
// bf16 matrices (8-bit mantissa) against float32: the embedding direction must survive.
constexpr double kBf16MinCosine = 0.999;

std::string ib(const std::string& file) { return data_path("imagebind/" + file); }

// Empty when |actual - expected| <= atol + rtol * |expected| everywhere, else a description
// of the worst element.
std::string closeness_error(const at::Tensor& actual, const at::Tensor& expected, const std::string& what) {
    if (!actual.defined()) return what + ": not produced";
    if (actual.sizes() != expected.sizes())
        return what + ": shape " + shape_string(actual.sizes()) + " vs golden " + shape_string(expected.sizes());
    const at::Tensor a = actual.to(at::kDouble), e = expected.to(at::kDouble);
    const at::Tensor excess = (a - e).abs() - (kAtol + kRtol * e.abs());
    const double worst = excess.max().item<double>();
    if (worst <= 0.0) return "";
    return what + ": max abs diff " + std::to_string(max_abs_diff(a, e)) + " exceeds atol 1e-4 + rtol 1e-4";
}

double min_row_cosine(const at::Tensor& a, const at::Tensor& b) {
    const at::Tensor x = a.to(at::kDouble), y = b.to(at::kDouble);
    return (at::sum(x * y, -1) / (x.norm(2, {-1}) * y.norm(2, {-1}))).min().item<double>();
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

void write_text(const QString& path, const std::string& text) {
    std::ofstream out(path.toStdString());
    out << text;
}

const std::vector<std::string> kTraceKeys = {"stem_out", "tokens", "block0_out", "trunk_out", "head_out", "post_per_item"};

at::Tensor trace_field(const EncoderTrace& t, const std::string& key) {
    if (key == "stem_out") return t.stem_out;
    if (key == "tokens") return t.tokens;
    if (key == "block0_out") return t.block0_out;
    if (key == "trunk_out") return t.trunk_out;
    if (key == "head_out") return t.head_out;
    return t.post_per_item;
}

// The store minus the tensors whose names start with `prefix`.
TensorStore without(const TensorStore& store, const std::string& prefix) {
    TensorStore out(store.source());
    for (const std::string& n : store.names())
        if (n.rfind(prefix, 0) != 0) out.add(n, store.get(n));
    return out;
}

void add_golden_rows() {
    QTest::addColumn<QString>("golden");
    QTest::addColumn<ImageBindTrunk>("trunk");
    QTest::newRow("vision") << "vision" << ImageBindTrunk::Vision;
    QTest::newRow("video") << "video" << ImageBindTrunk::Vision;
    QTest::newRow("audio") << "audio" << ImageBindTrunk::Audio;
    QTest::newRow("text") << "text" << ImageBindTrunk::Text;
    QTest::newRow("depth") << "depth" << ImageBindTrunk::Depth;
    QTest::newRow("thermal") << "thermal" << ImageBindTrunk::Thermal;
    QTest::newRow("imu") << "imu" << ImageBindTrunk::Imu;
}

}  // namespace

class TestImageBind : public QObject {
    Q_OBJECT

    TensorStore weights_{""};
    TensorStore golden_{""};
    ImageBindConfig config_;
    std::unique_ptr<ImageBindModel> model_;
    std::unique_ptr<ImageBindModel> model_bf16_;

private Q_SLOTS:
    void initTestCase() {
        weights_ = TensorStore::from_pth(ib("imagebind.pth"));
        golden_ = TensorStore::from_pth(ib("golden.pth"));
        config_ = ImageBindConfig::from_json_file(ib("imagebind_config.json"));
        model_ = std::make_unique<ImageBindModel>(weights_, config_, at::kFloat);
        model_bf16_ = std::make_unique<ImageBindModel>(weights_, config_, at::kBFloat16);
    }

    void config_reads_the_fixture() {
        QCOMPARE(config_.out_embed_dim, int64_t(32));
        QCOMPARE(config_.modalities.size(), size_t(6));
        const TrunkConfig& v = config_.modalities.at("vision");
        QCOMPARE(v.embed_dim, int64_t(64));
        QVERIFY(v.stem == StemKind::Conv3dPatches);
        QCOMPARE(v.kernel_size, (std::vector<int64_t>{2, 14, 14}));
        QCOMPARE(v.pad_im2video_ntimes, int64_t(2));
        QVERIFY(v.pre_transformer_ln && !v.stem_ln && !v.postprocess.logit_scale);
        const TrunkConfig& a = config_.modalities.at("audio");
        QCOMPARE(a.stride, (std::vector<int64_t>{10, 10}));
        QVERIFY(a.add_bias_kv && a.stem_ln);
        QCOMPARE(a.stem_ln_eps, 1e-5);
        QCOMPARE(config_.modalities.at("imu").head.linear_index, int64_t(3));
        QVERIFY(config_.modalities.at("text").stem == StemKind::TokenEmbedding);
        QVERIFY(config_.modalities.at("text").causal_mask);
        QCOMPARE(config_.point["trans_dim"].get<int>(), 48);
        for (ImageBindTrunk t : {ImageBindTrunk::Vision, ImageBindTrunk::Text, ImageBindTrunk::Audio, ImageBindTrunk::Depth,
                                 ImageBindTrunk::Thermal, ImageBindTrunk::Imu})
            QVERIFY2(model_->has(t), trunk_name(t));
    }

    // The tiny checkpoint holds exactly the tensors the config implies (no parameter unused).
    void layout_matches_the_tiny_checkpoint() {
        std::set<std::string> expected, stored;
        for (const auto& [name, shape] : expected_shapes(config_)) {
            expected.insert(name);
            QVERIFY2(weights_.contains(name), name.c_str());
            QCOMPARE(weights_.get(name).sizes().vec(), shape);
        }
        for (const std::string& n : weights_.names())
            if (n.rfind("point_trunk.", 0) != 0 && n.find(".point.") == std::string::npos) stored.insert(n);
        QCOMPARE(expected.size(), stored.size());
        QVERIFY(expected == stored);
    }

    void golden_data() { add_golden_rows(); }
    void golden() {
        QFETCH(QString, golden);
        QFETCH(ImageBindTrunk, trunk);
        const std::string g = golden.toStdString();
        EncoderTrace trace;
        const at::Tensor out = model_->forward(trunk, golden_.get(g + ".input"), &trace);
        QCOMPARE(out.scalar_type(), at::kFloat);
        for (const std::string& key : kTraceKeys) {
            const std::string err = closeness_error(trace_field(trace, key), golden_.get(g + "." + key), g + "." + key);
            QVERIFY2(err.empty(), err.c_str());
        }
        const std::string err = closeness_error(out, golden_.get(g + ".output"), g + ".output");
        QVERIFY2(err.empty(), err.c_str());
        if (g == "text") QVERIFY(at::equal(trace.seq_len, golden_.get("text.seq_len")));
        qInfo("%s: output max abs diff %.3g", g.c_str(), max_abs_diff(out, golden_.get(g + ".output")));
    }

    // The reference's own preprocessing of the real media (preprocess.pth) through the
    // encoders: images, 3 audio clips, 15 video clips, and the tokenizer's edge cases (a
    // truncated caption without EOS, an empty string, an embedded <|endoftext|>).
    void chain_from_reference_preprocessing_data() {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("golden");
        QTest::addColumn<ImageBindTrunk>("trunk");
        QTest::newRow("image") << "image.bird_image.output" << "chain.image.bird_image.output" << ImageBindTrunk::Vision;
        QTest::newRow("audio") << "audio.bird_audio.output" << "chain.audio.bird_audio.output" << ImageBindTrunk::Audio;
        QTest::newRow("video") << "video.testsrc2_320x240_25fps_6s.output" << "chain.video.testsrc2_320x240_25fps_6s.output"
                               << ImageBindTrunk::Vision;
        QTest::newRow("text") << "text.tokens" << "chain.text.strings.output" << ImageBindTrunk::Text;
    }
    void chain_from_reference_preprocessing() {
        QFETCH(QString, input);
        QFETCH(QString, golden);
        QFETCH(ImageBindTrunk, trunk);
        const TensorStore pre = TensorStore::from_pth(ib("preprocess.pth"));
        EncoderTrace trace;
        const at::Tensor out = model_->forward(trunk, pre.get(input.toStdString()), &trace);
        const std::string err = closeness_error(out, pre.get(golden.toStdString()), golden.toStdString());
        QVERIFY2(err.empty(), err.c_str());
        if (trunk == ImageBindTrunk::Text) QVERIFY(at::equal(trace.seq_len, pre.get("text.seq_len")));
    }

    // Postprocessors scale the unit vector by min(exp(log_logit_scale), 100) from the checkpoint.
    void logit_scales_come_from_the_checkpoint() {
        QVERIFY(std::abs(model_->logit_scale(ImageBindTrunk::Text) - 13.8685) < 1e-4);
        QCOMPARE(model_->logit_scale(ImageBindTrunk::Vision), 1.0);
        const std::map<std::string, ImageBindTrunk> scaled = {{"text", ImageBindTrunk::Text},
                                                              {"audio", ImageBindTrunk::Audio},
                                                              {"depth", ImageBindTrunk::Depth},
                                                              {"thermal", ImageBindTrunk::Thermal},
                                                              {"imu", ImageBindTrunk::Imu}};
        for (const auto& [m, trunk] : scaled) {
            const double expected =
                std::min(std::exp(weights_.get("modality_postprocessors." + m + ".1.log_logit_scale").item<double>()), 100.0);
            QVERIFY2(std::abs(model_->logit_scale(trunk) - expected) < 1e-5 * expected, m.c_str());
            EncoderTrace trace;
            model_->forward(trunk, golden_.get(m + ".input"), &trace);
            const at::Tensor norms = trace.post_per_item.norm(2, {-1});
            QVERIFY2((norms - expected).abs().max().item<double>() < 1e-4 * expected, m.c_str());
        }
        EncoderTrace trace;
        model_->forward(ImageBindTrunk::Vision, golden_.get("vision.input"), &trace);
        QVERIFY((trace.post_per_item.norm(2, {-1}) - 1.0).abs().max().item<double>() < 1e-5);
    }

    // A clip of one image repeated equals the image (PadIm2Video), and a 6-D batch of clips
    // is the mean of its clips' embeddings.
    void vision_input_forms_agree() {
        const at::Tensor image = golden_.get("vision.input");
        const at::Tensor from_image = model_->forward(ImageBindTrunk::Vision, image);
        const at::Tensor clip = image.unsqueeze(2).repeat({1, 1, 2, 1, 1});
        QVERIFY(max_abs_diff(model_->forward(ImageBindTrunk::Vision, clip), from_image) < 1e-6);
        const at::Tensor video = golden_.get("video.input");
        const at::Tensor per_clip = model_->forward(ImageBindTrunk::Vision, video.reshape({4, 3, 2, 224, 224}));
        QVERIFY(max_abs_diff(model_->forward(ImageBindTrunk::Vision, video), per_clip.reshape({2, 2, -1}).mean(1)) < 1e-6);
    }

    void bf16_close_to_float32_data() { add_golden_rows(); }
    void bf16_close_to_float32() {
        QFETCH(QString, golden);
        QFETCH(ImageBindTrunk, trunk);
        const at::Tensor input = golden_.get(golden.toStdString() + ".input");
        const at::Tensor full = model_->forward(trunk, input);
        const at::Tensor half = model_bf16_->forward(trunk, input);
        QCOMPARE(half.scalar_type(), at::kFloat);
        QCOMPARE(half.sizes(), full.sizes());
        const double cosine = min_row_cosine(half, full);
        qInfo("%s bf16 vs float32: min cosine %.6f, max abs diff %.3g", qPrintable(golden), cosine, max_abs_diff(half, full));
        QVERIFY2(cosine >= kBf16MinCosine, qPrintable(QString("cosine %1").arg(cosine)));
    }

    void cancel_flag_throws_cancelled() {
        std::atomic<bool> cancel{true};
        QVERIFY_EXCEPTION_THROWN(model_->forward(ImageBindTrunk::Audio, golden_.get("audio.input"), nullptr, &cancel),
                                 Cancelled);
        cancel = false;
        QCOMPARE(model_->forward(ImageBindTrunk::Audio, golden_.get("audio.input"), nullptr, &cancel).size(1), int64_t(32));
    }

    void bad_inputs_are_errors() {
        const at::Tensor small = at::zeros({1, 3, 112, 112});
        QVERIFY(error_of([&] { model_->forward(ImageBindTrunk::Vision, small); }).find("patches") != std::string::npos);
        QVERIFY(!error_of([&] { model_->forward(ImageBindTrunk::Vision, at::zeros({1, 1, 224, 224})); }).empty());
        QVERIFY(!error_of([&] { model_->forward(ImageBindTrunk::Imu, at::zeros({1, 6, 1000})); }).empty());
        QVERIFY(!error_of([&] { model_->forward(ImageBindTrunk::Depth, at::zeros({224, 224})); }).empty());
        at::Tensor ids = at::zeros({1, 77}, at::kLong);
        ids[0][3] = 49408;
        QVERIFY(error_of([&] { model_->forward(ImageBindTrunk::Text, ids); }).find("vocabulary") != std::string::npos);
        QVERIFY(!error_of([&] { model_->forward(ImageBindTrunk::Text, at::zeros({1, 50}, at::kLong)); }).empty());
    }

    void missing_files_are_named() {
        const std::string missing = ib("no_such_imagebind.pth");
        QVERIFY(error_of([&] { TensorStore::from_pth(missing); }).find("no_such_imagebind.pth") != std::string::npos);
        const std::string cfg = error_of([&] { ImageBindConfig::from_json_file(ib("no_such_config.json")); });
        QVERIFY2(cfg.find("no_such_config.json") != std::string::npos, cfg.c_str());
    }

    void wrong_checkpoint_is_named() {
        const TensorStore adapter = TensorStore::from_pth(data_path("llama_adapter/adapter.pth"));
        const std::string err = error_of([&] { ImageBindModel(adapter, config_, at::kFloat); });
        QVERIFY2(err.find("adapter.pth") != std::string::npos && err.find("ImageBind") != std::string::npos, err.c_str());
        // The real sizes against the tiny checkpoint: a shape mismatch naming the file.
        const std::string huge = error_of([&] { ImageBindModel(weights_, ImageBindConfig::huge(), at::kFloat); });
        QVERIFY2(huge.find("imagebind.pth") != std::string::npos && huge.find("shape") != std::string::npos &&
                     huge.find("ImageBind-huge") != std::string::npos,
                 huge.c_str());
    }

    void partial_checkpoints() {
        // A modality with no tensors at all is simply unavailable.
        const TensorStore no_imu = without(without(without(without(weights_, "modality_preprocessors.imu."), "modality_trunks.imu."),
                                                   "modality_heads.imu."),
                                           "modality_postprocessors.imu.");
        const ImageBindModel m(no_imu, config_, at::kFloat);
        QVERIFY(!m.has(ImageBindTrunk::Imu));
        QVERIFY(m.has(ImageBindTrunk::Vision));
        QVERIFY(error_of([&] { m.forward(ImageBindTrunk::Imu, golden_.get("imu.input")); }).find("imu") != std::string::npos);
        // A modality with some tensors missing is a broken checkpoint: name the tensor.
        const TensorStore broken = without(weights_, "modality_trunks.audio.blocks.1.mlp.fc2.bias");
        const std::string err = error_of([&] { ImageBindModel(broken, config_, at::kFloat); });
        QVERIFY2(err.find("modality_trunks.audio.blocks.1.mlp.fc2.bias") != std::string::npos, err.c_str());
    }

    void bad_config_json_is_named() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        std::ifstream in(ib("imagebind_config.json"));
        nlohmann::json good;
        in >> good;
        struct Case {
            std::string file, text, expect;
        };
        nlohmann::json no_dim = good, bad_head = good, bad_schema = good, bad_heads = good;
        no_dim["modalities"]["audio"].erase("embed_dim");
        bad_head["modalities"]["vision"]["head"]["type"] = "mean_pool";
        bad_schema["schema"] = "something_else/2";
        bad_heads["modalities"]["depth"]["num_heads"] = 5;
        const std::vector<Case> cases = {
            {"not_json.json", "{ this is not json", "not valid JSON"},
            {"array.json", "[1, 2, 3]", "not a JSON object"},
            {"no_dim.json", no_dim.dump(), "modalities.audio.embed_dim"},
            {"bad_head.json", bad_head.dump(), "modalities.vision.head.type"},
            {"bad_schema.json", bad_schema.dump(), "schema"},
            {"bad_heads.json", bad_heads.dump(), "modalities.depth.num_heads"},
        };
        for (const Case& c : cases) {
            const QString path = dir.filePath(QString::fromStdString(c.file));
            write_text(path, c.text);
            const std::string err = error_of([&] { ImageBindConfig::from_json_file(path.toStdString()); });
            QVERIFY2(err.find(c.file) != std::string::npos && err.find(c.expect) != std::string::npos,
                     (c.file + ": " + err).c_str());
        }
    }

    // The built-in preset is the real model as the fixture describes it, field by field.
    void huge_preset_matches_its_json() {
        const ImageBindConfig preset = ImageBindConfig::huge();
        const ImageBindConfig file = ImageBindConfig::from_json_file(ib("imagebind_huge_config.json"));
        QCOMPARE(preset.out_embed_dim, file.out_embed_dim);
        QCOMPARE(preset.modalities.size(), file.modalities.size());
        for (const auto& [name, f] : file.modalities) {
            QVERIFY2(preset.modalities.count(name), name.c_str());
            const TrunkConfig& p = preset.modalities.at(name);
            QCOMPARE(p.embed_dim, f.embed_dim);
            QCOMPARE(p.num_blocks, f.num_blocks);
            QCOMPARE(p.num_heads, f.num_heads);
            QCOMPARE(p.mlp_hidden_dim, f.mlp_hidden_dim);
            QCOMPARE(p.attn_qkv_bias, f.attn_qkv_bias);
            QCOMPARE(p.add_bias_kv, f.add_bias_kv);
            QCOMPARE(p.block_ln_eps, f.block_ln_eps);
            QCOMPARE(p.pre_transformer_ln, f.pre_transformer_ln);
            QCOMPARE(p.pre_transformer_ln_eps, f.pre_transformer_ln_eps);
            QCOMPARE(p.num_cls_tokens, f.num_cls_tokens);
            QVERIFY(p.stem == f.stem);
            QCOMPARE(p.stem_module, f.stem_module);
            QCOMPARE(p.in_channels, f.in_channels);
            QCOMPARE(p.kernel_size, f.kernel_size);
            QCOMPARE(p.stride, f.stride);
            QCOMPARE(p.stem_bias, f.stem_bias);
            QCOMPARE(p.stem_ln, f.stem_ln);
            QCOMPARE(p.stem_ln_eps, f.stem_ln_eps);
            QCOMPARE(p.patches_layout, f.patches_layout);
            QCOMPARE(p.num_patches, f.num_patches);
            QCOMPARE(p.img_size, f.img_size);
            QCOMPARE(p.pos_embed_key, f.pos_embed_key);
            QCOMPARE(p.pad_im2video_ntimes, f.pad_im2video_ntimes);
            QCOMPARE(p.pad_im2video_time_dim, f.pad_im2video_time_dim);
            QCOMPARE(p.video_frames, f.video_frames);
            QCOMPARE(p.num_mel_bins, f.num_mel_bins);
            QCOMPARE(p.target_len, f.target_len);
            QCOMPARE(p.stem_in_features, f.stem_in_features);
            QCOMPARE(p.vocab_size, f.vocab_size);
            QCOMPARE(p.context_length, f.context_length);
            QCOMPARE(p.causal_mask, f.causal_mask);
            QCOMPARE(p.head.type, f.head.type);
            QCOMPARE(p.head.ln_eps, f.head.ln_eps);
            QCOMPARE(p.head.select_index, f.head.select_index);
            QCOMPARE(p.head.linear_index, f.head.linear_index);
            QCOMPARE(p.head.proj_bias, f.head.proj_bias);
            QCOMPARE(p.postprocess.normalize, f.postprocess.normalize);
            QCOMPARE(p.postprocess.normalize_eps, f.postprocess.normalize_eps);
            QCOMPARE(p.postprocess.logit_scale, f.postprocess.logit_scale);
            QCOMPARE(p.postprocess.logit_scale_max, f.postprocess.logit_scale_max);
            QCOMPARE(p.postprocess.logit_scale_init, f.postprocess.logit_scale_init);
            QCOMPARE(p.postprocess.logit_scale_learnable, f.postprocess.logit_scale_learnable);
            QVERIFY2(p == f, name.c_str());  // nothing left out of the list above
        }
        QVERIFY2(preset.point == file.point, preset.point.dump().c_str());
        QVERIFY(preset == file);
    }

    // Every tensor the huge preset makes the model read has the real checkpoint's name and
    // shape, and none of the real checkpoint's (non-point) tensors is left out.
    void huge_shapes_match_the_real_checkpoint() {
        const nlohmann::json real = load_json(ib("imagebind_huge_state_dict_shapes.json"));
        std::map<std::string, std::vector<int64_t>> want;
        std::vector<std::string> order;
        for (const auto& row : real) {
            const std::string name = row[0].get<std::string>();
            if (name.rfind("point_trunk.", 0) == 0 || name.find(".point.") != std::string::npos) continue;
            QCOMPARE(row[2].get<std::string>(), std::string("float32"));
            want[name] = row[1].get<std::vector<int64_t>>();
            order.push_back(name);
        }
        QCOMPARE(want.size(), size_t(1311));  // 1476 tensors minus Point-BERT's 165
        const TensorShapes got = expected_shapes(ImageBindConfig::huge());
        QCOMPARE(got.size(), want.size());
        for (size_t i = 0; i < got.size(); ++i) {
            const auto& [name, shape] = got[i];
            QVERIFY2(want.count(name), ("not in the real checkpoint: " + name).c_str());
            QVERIFY2(want.at(name) == shape, ("shape differs: " + name).c_str());
            QCOMPARE(name, order[i]);  // and in state_dict order
        }
    }
};

QTEST_GUILESS_MAIN(TestImageBind)
#include "test_imagebind.moc"
