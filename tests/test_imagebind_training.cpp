// ImageBind's encoders in training mode, the ground `train imagebind` stands on: the product's
// inference modules run with autograd on float32 leaves (one model, two modes) and give the
// inference outputs; gradients reach the trunks, the learnable logit scales and Point-BERT's
// BatchNorm; a trained BatchNorm written back in the release layout reloads to the same
// outputs; new weights for a config are seeded and load in the product unchanged.
#include <ATen/ATen.h>
#include <QtTest/QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_run.h"
#include "engine/bind/visual_cache.h"
#include "engine/checkpoint/pickle_value.h"
#include "engine/checkpoint/pth_writer.h"
#include "engine/checkpoint/tensor_store.h"
#include "engine/imagebind/imagebind_config.h"
#include "engine/imagebind/imagebind_model.h"
#include "engine/imagebind/pointbert/point_bert_config.h"
#include "engine/imagebind/pointbert/point_encoder.h"
#include "engine/engine.h"
#include "engine/error.h"
#include "engine/train/contrastive_loss.h"
#include "engine/train/imagebind_init.h"

using namespace ibllm;

Q_DECLARE_METATYPE(ibllm::ImageBindTrunk)

namespace {

const std::string kData = ibllm::test::data_path("imagebind/");
const QString kSolidsConfig = QStringLiteral(IBLLM_SOURCE_DIR "/resources/models/solids/imagebind_config.json");

// log.jsonl's lines as JSON.
std::vector<nlohmann::json> read_log(const QString& path) {
    std::vector<nlohmann::json> out;
    std::ifstream in(path.toStdString());
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(nlohmann::json::parse(line));
    return out;
}

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
    return (a.detach().reshape(-1).to(at::kDouble) - b.detach().reshape(-1).to(at::kDouble)).abs().max().item<double>();
}

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// The store's tensors as float32 leaves, requiring grad where training changes them.
TensorStore trainable_copy(const TensorStore& store, const ImageBindConfig& config) {
    TensorStore out(store.source());
    for (const std::string& name : store.names()) {
        at::Tensor t = store.get(name);
        if (t.is_floating_point()) {
            t = t.to(at::kFloat).clone();
            t.requires_grad_(imagebind_tensor_trainable(config, name));
        }
        out.add(name, t);
    }
    return out;
}

// Sum of |grad| over the store's tensors whose names contain `part` (0 when none has one).
double gradient_mass(const TensorStore& store, const std::string& part) {
    double mass = 0;
    for (const std::string& name : store.names()) {
        if (name.find(part) == std::string::npos) continue;
        const at::Tensor t = store.get(name);
        if (t.requires_grad() && t.grad().defined()) mass += t.grad().abs().sum().item<double>();
    }
    return mass;
}

}  // namespace

class TestImageBindTraining : public QObject {
    Q_OBJECT

    TensorStore weights_{""};
    TensorStore golden_{""};
    ImageBindConfig config_;
    PointBertConfig point_;

private Q_SLOTS:
    void initTestCase() {
        weights_ = TensorStore::from_pth(kData + "imagebind.pth");
        golden_ = TensorStore::from_pth(kData + "golden.pth");
        config_ = ImageBindConfig::from_json_file(kData + "imagebind_config.json");
        QVERIFY(config_.point.is_object());
        point_ = PointBertConfig::from_json(config_.point, config_.out_embed_dim, "imagebind_config.json");
    }

    void trainingForwardEqualsInference_data() {
        QTest::addColumn<QString>("golden");
        QTest::addColumn<ImageBindTrunk>("trunk");
        QTest::addColumn<QString>("modality");
        QTest::newRow("vision") << "vision" << ImageBindTrunk::Vision << "vision";
        QTest::newRow("audio") << "audio" << ImageBindTrunk::Audio << "audio";
        QTest::newRow("text") << "text" << ImageBindTrunk::Text << "text";
        QTest::newRow("depth") << "depth" << ImageBindTrunk::Depth << "depth";
    }

    // Each trunk with autograd on: the inference output within 1e-5, and a gradient for every
    // kind of tensor training changes (stem, blocks, head, a learnable logit scale), none for
    // the tensors it keeps (the text model's causal mask).
    void trainingForwardEqualsInference() {
        QFETCH(QString, golden);
        QFETCH(ImageBindTrunk, trunk);
        QFETCH(QString, modality);
        const std::string g = golden.toStdString(), m = modality.toStdString();
        const at::Tensor input = golden_.get(g + ".input");
        const ImageBindModel inference(weights_, config_, at::kFloat);
        const at::Tensor expected = inference.forward(trunk, input);
        QVERIFY(!expected.requires_grad());

        TensorStore trainable = trainable_copy(weights_, config_);
        const ImageBindModel training(trainable, config_, at::kFloat);
        const at::Tensor out = training.forward(trunk, input);
        QVERIFY2(out.requires_grad(), "the training forward is not connected to the weights");
        const double diff = max_abs_diff(out, expected);
        QVERIFY2(diff <= 1e-5, qPrintable(QString("%1: training forward differs by %2").arg(golden).arg(diff)));

        // A loss that depends on the direction, not only on the (normalised) length.
        const at::Tensor target = at::randn(out.sizes(), at::TensorOptions().dtype(at::kFloat));
        (out * target).sum().backward();
        for (const char* part : {"modality_preprocessors.", "modality_trunks.", "modality_heads."})
            QVERIFY2(gradient_mass(trainable, std::string(part) + m + ".") > 0,
                     qPrintable(QString("no gradient under %1%2").arg(part).arg(modality)));
        const std::string scale = "modality_postprocessors." + m + ".1.log_logit_scale";
        if (trainable.contains(scale) && trainable.get(scale).requires_grad()) {
            QVERIFY(trainable.get(scale).grad().defined());
            QVERIFY(trainable.get(scale).grad().abs().item<double>() > 0);
        }
        for (const std::string& name : trainable.names())
            if (ends_with(name, ".mask")) QVERIFY2(!trainable.get(name).requires_grad(), name.c_str());
        // A second step builds its graph anew: nothing computed from the weights at load (such as
        // a logit scale taken once) may be part of it.
        const at::Tensor again = training.forward(trunk, input);
        (again * target).sum().backward();
        QVERIFY(max_abs_diff(again, out) == 0.0);
    }

    // Point-BERT with autograd on: BatchNorm is folded at every forward instead of once at
    // load, so its weight and bias get gradients; the output is the inference output.
    void pointTrainingForwardEqualsInference() {
        const at::Tensor input = golden_.get("point.input");
        const PointEncoder inference(weights_, point_, at::kFloat);
        const at::Tensor expected = inference.forward(input);
        TensorStore trainable = trainable_copy(weights_, config_);
        const PointEncoder training(trainable, point_, at::kFloat);
        const at::Tensor out = training.forward(input);
        QVERIFY(out.requires_grad());
        const double diff = max_abs_diff(out, expected);
        QVERIFY2(diff <= 1e-5, qPrintable(QString("point: training forward differs by %1").arg(diff)));
        const at::Tensor target = at::randn(out.sizes(), at::TensorOptions().dtype(at::kFloat));
        (out * target).sum().backward();
        int batch_norms = 0;
        for (const std::string& name : trainable.names()) {
            if (!ends_with(name, "running_var")) continue;
            ++batch_norms;
            const std::string prefix = name.substr(0, name.size() - std::string("running_var").size());
            for (const char* p : {"weight", "bias"}) {
                const at::Tensor t = trainable.get(prefix + p);
                QVERIFY2(t.grad().defined() && t.grad().abs().sum().item<double>() > 0, (prefix + p).c_str());
            }
            QVERIFY(!trainable.get(name).requires_grad());  // running statistics are not trained
            QVERIFY(!trainable.get(prefix + "running_mean").requires_grad());
        }
        QVERIFY(batch_norms >= 2);  // the mini-PointNet's two
        QVERIFY(gradient_mass(trainable, "point_trunk.") > 0);
    }

    // A trained BatchNorm (new weight and bias) written in the release layout (weight, bias,
    // running mean and variance) and read back by the inference loader gives the training
    // model's outputs.
    void batchNormWrittenBackReloads() {
        TensorStore trainable = trainable_copy(weights_, config_);
        {
            at::NoGradGuard no_grad;  // as an optimizer step changes them
            for (const std::string& name : trainable.names()) {
                if (!ends_with(name, "running_var")) continue;
                const std::string prefix = name.substr(0, name.size() - std::string("running_var").size());
                trainable.get(prefix + "weight").mul_(1.7).add_(0.05);
                trainable.get(prefix + "bias").add_(0.3);
            }
        }
        const at::Tensor input = golden_.get("point.input");
        const at::Tensor trained = PointEncoder(trainable, point_, at::kFloat).forward(input).detach();
        QVERIFY(max_abs_diff(trained, PointEncoder(weights_, point_, at::kFloat).forward(input)) > 1e-3);  // it did change

        const QTemporaryDir dir;
        const std::string path = (std::filesystem::path(dir.path().toStdString()) / "imagebind.pth").string();
        Value sd = Value::make_dict(/*ordered=*/true);
        for (const std::string& name : trainable.names()) sd.set(name, Value::from_tensor(trainable.get(name).detach().contiguous()));
        write_pth(path, sd);
        const TensorStore reloaded = TensorStore::from_pth(path);
        for (const std::string& name : weights_.names())
            if (ends_with(name, "running_mean") || ends_with(name, "running_var"))
                QVERIFY2(at::equal(reloaded.get(name), weights_.get(name)), name.c_str());
        const at::Tensor again = PointEncoder(reloaded, point_, at::kFloat).forward(input);
        const double diff = max_abs_diff(again, trained);
        QVERIFY2(diff <= 1e-5, qPrintable(QString("reloaded point encoder differs by %1").arg(diff)));
    }

    void symmetricInfoNceMatchesPyTorch_data() {
        QTest::addColumn<QString>("variant");
        QTest::newRow("plain") << "plain";
        QTest::newRow("same-class pairs masked") << "masked";
    }

    // The loss and its gradients, the logit scale's included, against PyTorch on the same
    // formula (engine/tools/reference_contrastive_loss.py wrote the goldens): image side
    // normalised, text side normalised times exp(log_logit_scale) clamped at 100.
    void symmetricInfoNceMatchesPyTorch() {
        QFETCH(QString, variant);
        const std::string v = variant.toStdString();
        const TensorStore g = TensorStore::from_pth(test::data_path("imagebind_training/contrastive_loss.pth"));
        const at::Tensor fa = g.get("fa").clone().requires_grad_(true), fb = g.get("fb").clone().requires_grad_(true);
        const at::Tensor ls = g.get("log_logit_scale").clone().requires_grad_(true);
        std::vector<int64_t> classes;
        if (v == "masked") {
            const at::Tensor c = g.get("classes").contiguous();
            classes.assign(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
        }
        const at::Tensor a = fa / fa.norm(2, {-1}, true).clamp_min(1e-12);
        const at::Tensor b = at::clamp_max(ls.exp(), 100.0) * (fb / fb.norm(2, {-1}, true).clamp_min(1e-12));
        const at::Tensor loss = symmetric_info_nce(a, b, classes);
        loss.backward();
        const auto close = [](const at::Tensor& x, const at::Tensor& ref) {
            return ((x.detach().to(at::kDouble) - ref.to(at::kDouble)).abs() - (1e-6 + 1e-5 * ref.to(at::kDouble).abs())).max().item<double>() <= 0;
        };
        QVERIFY2(close(loss, g.get(v + ".loss")), qPrintable(QString("loss %1 vs %2").arg(loss.item<double>()).arg(g.get(v + ".loss").item<double>())));
        QVERIFY(close(fa.grad(), g.get(v + ".grad_fa")));
        QVERIFY(close(fb.grad(), g.get(v + ".grad_fb")));
        QVERIFY(close(ls.grad(), g.get(v + ".grad_log_logit_scale")));
        QVERIFY(ls.grad().abs().item<double>() > 1e-3);
        // The two variants differ: the batch has two pairs of same-class items.
        QVERIFY(std::abs(g.get("plain.loss").item<double>() - g.get("masked.loss").item<double>()) > 1e-3);
    }

    // Above the clamp the logit scale gets no gradient (CLIP's clamp at 100); aligned pairs at a
    // large scale give a loss near 0; shapes that do not pair up are refused.
    void symmetricInfoNceEdges() {
        at::manual_seed(5);
        const at::Tensor x = at::randn({4, 8});
        const at::Tensor u = x / x.norm(2, {-1}, true);
        const at::Tensor ls = at::full({}, std::log(150.0)).requires_grad_(true);
        const at::Tensor loss = symmetric_info_nce(u, at::clamp_max(ls.exp(), 100.0) * u);
        loss.backward();
        QCOMPARE(ls.grad().item<double>(), 0.0);
        QVERIFY(loss.item<double>() < 1e-2);
        QVERIFY(symmetric_info_nce(u, u.flip({0})).item<double>() > 1.0);  // every positive mismatched
        bool refused = false;
        try {
            symmetric_info_nce(u, u.narrow(0, 0, 3));
        } catch (const Error&) {
            refused = true;
        }
        QVERIFY(refused);
    }

    // `train imagebind --stage text` on 72 images of a fresh world (2 per class): the loss falls
    // from ln(36) and the images' zero-shot accuracy against the 36 captions is far above
    // chance; the written imagebind.pth and config load in the product's encoders.
    void microTrainingLearns() {
        const QTemporaryDir dir;
        const QString world = dir.path() + "/world", out = dir.path() + "/out";
        const test::CliRun made = test::run_cli({"world", "make", "--out", world, "--count", "72", "--seed", "11", "--modalities", "image"});
        QVERIFY2(made.code == 0, qPrintable(made.err));
        const test::CliRun r = test::run_cli({"train", "imagebind", "--data", world, "--out", out, "--imagebind-config", kSolidsConfig,
                                              "--stage", "text", "--epochs", "30", "--blr", "4e-3", "--warmup-epochs", "3",
                                              "--weight-decay", "0.1", "--seed", "1"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const std::vector<nlohmann::json> log = read_log(out + "/log.jsonl");
        QVERIFY(log.size() >= 60);
        const double first = log.front().at("loss").get<double>();
        double last = 0;
        int n = 0;
        for (const nlohmann::json& j : log)
            if (j.contains("loss") && j.at("step").get<int>() > 50) last += j.at("loss").get<double>(), ++n;
        last /= std::max(1, n);
        QVERIFY2(last < first - 0.8, qPrintable(QString("loss %1 -> %2").arg(first).arg(last)));
        const double accuracy = log.back().at("zero_shot_accuracy").at("image").get<double>();
        QVERIFY2(accuracy >= 0.14, qPrintable(QString("zero-shot accuracy %1 (chance 0.028)").arg(accuracy)));
        qInfo("micro training: loss %.3f -> %.3f, zero-shot %.0f%%", first, last, 100 * accuracy);
        const ImageBindConfig config = ImageBindConfig::from_json_file((out + "/imagebind_config.json").toStdString());
        const TensorStore trained = TensorStore::from_pth((out + "/imagebind.pth").toStdString());
        const ImageBindModel model(trained, config, at::kFloat);
        QVERIFY(model.has(ImageBindTrunk::Vision) && model.has(ImageBindTrunk::Text));
        // `world eval --zero-shot` on the same files: the captions "a <colour> <shape>".
        const test::CliRun e = test::run_cli({"world", "eval", "--zero-shot", "--imagebind", out + "/imagebind.pth",
                                              "--imagebind-config", out + "/imagebind_config.json", "--data", world, "--json"});
        QVERIFY2(e.code == 0, qPrintable(e.err));
        const nlohmann::json report = nlohmann::json::parse(e.out.toStdString());
        const nlohmann::json& image = report.at("modalities").at("image");
        QCOMPARE(image.at("files").get<int>(), 72);
        QCOMPARE(report.at("modalities").size(), size_t(1));
        QVERIFY2(image.at("both").get<double>() >= 0.1, e.out.toUtf8().constData());
        QVERIFY(image.at("both").get<double>() <= std::min(image.at("shape").get<double>(), image.at("colour").get<double>()));
        int confusion_total = 0;
        for (const auto& row : image.at("shape_confusion"))
            for (const auto& cell : row) confusion_total += cell.get<int>();
        QCOMPARE(confusion_total, 72);
        QVERIFY(report.at("recall_at_1").contains("text->image"));
        // `cache build`: the images' features as a FAISS file the product's visual cache opens;
        // an image's own embedding finds itself first.
        const QString index = dir.path() + "/knn.index", first_npy = dir.path() + "/first.npy";
        const test::CliRun c = test::run_cli({"cache", "build", "--imagebind", out + "/imagebind.pth", "--imagebind-config",
                                              out + "/imagebind_config.json", "--data", world, "--out", index});
        QVERIFY2(c.code == 0, qPrintable(c.err));
        const std::unique_ptr<VisualCache> cache = VisualCache::open(index.toStdString());
        QCOMPARE(cache->size(), int64_t(72));
        QCOMPARE(int64_t(cache->dim()), config.out_embed_dim);
        std::ifstream labels((world + "/labels.csv").toStdString());
        std::string header, row;
        std::getline(labels, header);
        std::getline(labels, row);
        const QString first_image = world + "/" + QString::fromStdString(row.substr(0, row.find(',')));
        QCOMPARE(test::run_cli({"embed", "--imagebind", out + "/imagebind.pth", "--imagebind-config", out + "/imagebind_config.json",
                                "--image", first_image, "--out", first_npy}).code, 0);
        const std::vector<float> own = read_embedding_npy(first_npy.toStdString());
        const VisualCache::Hits hits = cache->search(at::tensor(own).view({1, -1}), 1);
        QCOMPARE(hits.ids.at(0), int64_t(0));
        QVERIFY(std::abs(hits.sims.at(0) - 1.0f) < 1e-4);
        QCOMPARE(test::run_cli({"cache", "build", "--imagebind", out + "/imagebind.pth", "--imagebind-config",
                                out + "/imagebind_config.json", "--data", dir.path() + "/nowhere", "--out", index + "2"}).code, 2);
        QVERIFY(!QFileInfo::exists(index + "2"));
        // Without --zero-shot (the one evaluation there is) it says what is missing.
        const test::CliRun bare = test::run_cli({"world", "eval", "--imagebind", out + "/imagebind.pth", "--data", world});
        QCOMPARE(bare.code, 2);
        QVERIFY(bare.err.contains("--zero-shot"));
    }

    // --augment's draws: seeded, inside the spec (an image 224 x 224, a sound as long and within
    // [-1, 1] at 0.6-1.4 of its level, 90% of a cloud's points moved by about 0.5% of its
    // size), a depth map untouched; and a run with them trains, reproducibly, on other inputs.
    void augmentationsStayInTheWorld() {
        std::mt19937 gen(3);
        EncoderInput image;
        image.modality = Modality::Image;
        image.image.width = 320;
        image.image.height = 240;
        for (int i = 0; i < 320 * 240 * 3; ++i) image.image.rgb.push_back(static_cast<uint8_t>(gen() % 256));
        const EncoderInput a = augment_world_input(image, 1), b = augment_world_input(image, 2), a2 = augment_world_input(image, 1);
        QCOMPARE(a.image.width, 224);
        QCOMPARE(a.image.height, 224);
        QVERIFY(a.image.rgb == a2.image.rgb);
        QVERIFY(a.image.rgb != b.image.rgb);
        // Mirrors: a picture whose left half is black and right half white comes back with the
        // white on either side over some seeds, and never with colours the picture lacks.
        EncoderInput halves;
        halves.modality = Modality::Image;
        halves.image.width = halves.image.height = 224;
        for (int y = 0; y < 224; ++y)
            for (int x = 0; x < 224; ++x)
                for (int c = 0; c < 3; ++c) halves.image.rgb.push_back(x < 112 ? 0 : 255);
        int whiteRight = 0, whiteLeft = 0;
        for (uint64_t seed = 0; seed < 16; ++seed) {
            const ImageInput m = augment_world_input(halves, seed).image;
            const auto at = [&](int x, int y) { return m.rgb[(size_t(y) * 224 + x) * 3]; };
            whiteRight += at(220, 112) > 200 && at(3, 112) < 50;
            whiteLeft += at(3, 112) > 200 && at(220, 112) < 50;
        }
        QCOMPARE(whiteRight + whiteLeft, 16);
        QVERIFY2(whiteRight >= 3 && whiteLeft >= 3, qPrintable(QString("%1 / %2").arg(whiteRight).arg(whiteLeft)));
        EncoderInput sound;
        sound.modality = Modality::Audio;
        sound.audio.sample_rate = 16000;
        sound.audio.channels = 1;
        for (int i = 0; i < 16000; ++i) sound.audio.samples.push_back(static_cast<float>(0.5 * std::sin(2 * M_PI * 220 * i / 16000.0)));
        const auto rms = [](const std::vector<float>& x) {
            double p = 0;
            for (float v : x) p += static_cast<double>(v) * v;
            return std::sqrt(p / static_cast<double>(x.size()));
        };
        for (uint64_t seed = 0; seed < 8; ++seed) {
            const EncoderInput s = augment_world_input(sound, seed);
            QCOMPARE(s.audio.samples.size(), sound.audio.samples.size());
            double peak = 0;
            for (float v : s.audio.samples) peak = std::max(peak, std::abs(static_cast<double>(v)));
            QVERIFY(peak <= 1.0);
            const double ratio = rms(s.audio.samples) / rms(sound.audio.samples);
            QVERIFY2(ratio > 0.58 && ratio < 1.42, qPrintable(QString::number(ratio)));
        }
        QVERIFY(augment_world_input(sound, 1).audio.samples != augment_world_input(sound, 2).audio.samples);
        EncoderInput cloud;
        cloud.modality = Modality::Point;
        for (int i = 0; i < 1000; ++i)  // points on a unit sphere
            for (double v : {std::cos(i * 0.7) * std::sin(i * 0.3), std::sin(i * 0.7) * std::sin(i * 0.3), std::cos(i * 0.3)}) cloud.points.xyz.push_back(v);
        const EncoderInput c = augment_world_input(cloud, 4);
        QCOMPARE(c.points.xyz.size(), size_t(900 * 3));
        double off = 0;
        for (size_t i = 0; i < 900; ++i) {
            const double r = std::sqrt(c.points.xyz[i * 3] * c.points.xyz[i * 3] + c.points.xyz[i * 3 + 1] * c.points.xyz[i * 3 + 1] +
                                       c.points.xyz[i * 3 + 2] * c.points.xyz[i * 3 + 2]);
            off = std::max(off, std::abs(r - 1.0));
        }
        QVERIFY2(off > 0 && off < 0.06, qPrintable(QString::number(off)));  // 6 sigma of 0.01 (0.5% of an extent of 2)
        EncoderInput depth;
        depth.modality = Modality::Depth;
        depth.gray.width = 2;
        depth.gray.height = 1;
        depth.gray.values = {500, 900};
        QVERIFY(augment_world_input(depth, 9).gray.values == depth.gray.values);

        const QTemporaryDir dir;
        const QString world = dir.path() + "/world";
        QCOMPARE(test::run_cli({"world", "make", "--out", world, "--count", "36", "--seed", "8", "--modalities", "image"}).code, 0);
        const QStringList common = {"train", "imagebind", "--data", world, "--imagebind-config", kSolidsConfig, "--stage", "text",
                                    "--epochs", "2", "--seed", "2", "--blr", "4e-3", "--batch-size", "12"};
        const auto losses = [](const QString& out) {
            std::vector<double> l;
            for (const nlohmann::json& j : read_log(out + "/log.jsonl"))
                if (j.contains("loss")) l.push_back(j.at("loss").get<double>());
            return l;
        };
        for (const QString& name : {QStringLiteral("plain"), QStringLiteral("aug1"), QStringLiteral("aug2")}) {
            QStringList args = QStringList(common) << "--out" << dir.path() + "/" + name;
            if (name != "plain") args << "--augment";
            const test::CliRun r = test::run_cli(args);
            QVERIFY2(r.code == 0, qPrintable(r.err));
            QVERIFY(QFileInfo::exists(dir.path() + "/" + name + "/imagebind.pth"));
        }
        const std::vector<double> plain = losses(dir.path() + "/plain"), aug = losses(dir.path() + "/aug1");
        QCOMPARE(aug.size(), size_t(6));
        QCOMPARE(losses(dir.path() + "/aug2"), aug);
        QVERIFY(plain.size() == aug.size() && plain.front() != aug.front());
    }

    // Data parallel: two ranks of 6 files give the losses and weights of one rank of 12, in both
    // stages (the contrastive loss sees the gathered global batch; the masks of depth and points
    // cover it too).
    void twoRanksEqualOneRank() {
        const QTemporaryDir dir;
        const QString world = dir.path() + "/world", one = dir.path() + "/one", two = dir.path() + "/two";
        QCOMPARE(test::run_cli({"world", "make", "--out", world, "--count", "36", "--seed", "3"}).code, 0);
        const QStringList common = {"train", "imagebind", "--data", world, "--imagebind-config", kSolidsConfig, "--stage", "all",
                                    "--epochs", "2", "--seed", "4", "--blr", "4e-3"};
        const test::CliRun a = test::run_cli(QStringList(common) << "--out" << one << "--batch-size" << "12");
        QVERIFY2(a.code == 0, qPrintable(a.err));
        const test::CliRun b = test::run_cli(QStringList(common) << "--out" << two << "--batch-size" << "6" << "--nproc" << "2");
        QVERIFY2(b.code == 0, qPrintable(b.err));
        std::vector<double> la, lb;
        for (const nlohmann::json& j : read_log(one + "/log.jsonl"))
            if (j.contains("loss")) la.push_back(j.at("loss").get<double>());
        for (const nlohmann::json& j : read_log(two + "/log.jsonl"))
            if (j.contains("loss")) lb.push_back(j.at("loss").get<double>());
        QCOMPARE(la.size(), size_t(12));  // 3 steps of 12 per epoch and stage
        QCOMPARE(lb.size(), la.size());
        for (size_t i = 0; i < la.size(); ++i)
            QVERIFY2(std::abs(la[i] - lb[i]) <= 1e-4 * std::abs(la[i]), qPrintable(QString("step %1: %2 vs %3").arg(i + 1).arg(la[i]).arg(lb[i])));
        const TensorStore x = TensorStore::from_pth((one + "/imagebind.pth").toStdString());
        const TensorStore y = TensorStore::from_pth((two + "/imagebind.pth").toStdString());
        QCOMPARE(x.names(), y.names());
        // AdamW turns a gradient that is 0 in one run and 1e-12 in the other into a step of 0 or
        // of lr, so single weights can differ by about lr; the runs' difference as a whole must be
        // a small part of what training changed.
        double diff2 = 0, moved2 = 0;
        const ImageBindConfig config = ImageBindConfig::from_json_file(kSolidsConfig.toStdString());
        const TensorStore start = new_imagebind_weights(config, 4);
        for (const std::string& n : x.names()) {
            if (!start.contains(n) || !imagebind_tensor_trainable(config, n)) continue;  // the masks hold -inf
            diff2 += (x.get(n).to(at::kDouble) - y.get(n).to(at::kDouble)).pow(2).sum().item<double>();
            moved2 += (x.get(n).to(at::kDouble) - start.get(n).to(at::kDouble)).pow(2).sum().item<double>();
        }
        qInfo("weights: |one - two| = %g, |one - start| = %g", std::sqrt(diff2), std::sqrt(moved2));
        QVERIFY2(moved2 > 0, "training changed nothing");
        QVERIFY2(std::sqrt(diff2) < 0.01 * std::sqrt(moved2), "the two runs' weights differ");
        // A global batch larger than the classes is refused before anything is written.
        const test::CliRun c = test::run_cli(QStringList(common) << "--out" << dir.path() + "/three" << "--batch-size" << "36" << "--nproc" << "2");
        QCOMPARE(c.code, 2);
        QVERIFY2(c.err.contains("--batch-size 18"), qPrintable(c.err));
        QVERIFY(!QFileInfo::exists(dir.path() + "/three/imagebind.pth"));
    }

    // A checkpoint of each stage resumes to the very bytes of the run that was not stopped; what
    // is not a checkpoint of this run is refused, naming the file and what to pass instead.
    void resumeContinuesExactly() {
        const QTemporaryDir dir;
        const QString world = dir.path() + "/world", full = dir.path() + "/full";
        QCOMPARE(test::run_cli({"world", "make", "--out", world, "--count", "36", "--seed", "5"}).code, 0);
        const QStringList common = {"train", "imagebind", "--data", world, "--imagebind-config", kSolidsConfig, "--stage", "all",
                                    "--epochs", "2", "--seed", "6", "--blr", "4e-3", "--batch-size", "12"};
        const test::CliRun a = test::run_cli(QStringList(common) << "--out" << full << "--save-every-epoch");
        QVERIFY2(a.code == 0, qPrintable(a.err));
        const auto losses = [](const QString& log) {
            std::vector<double> l;
            for (const nlohmann::json& j : read_log(log))
                if (j.contains("loss")) l.push_back(j.at("loss").get<double>());
            return l;
        };
        const std::vector<double> want = losses(full + "/log.jsonl");
        QCOMPARE(want.size(), size_t(12));
        const auto file_bytes = [](const QString& path) {
            QFile f(path);
            return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
        };
        for (const QString checkpoint : {"checkpoint-text-epoch1.pth", "checkpoint-modalities-epoch1.pth"}) {
            // The run's folder as it was when that checkpoint was written: the log and the checkpoint.
            const QString out = dir.path() + "/from-" + checkpoint;
            QVERIFY(QDir().mkpath(out));
            QVERIFY(QFile::copy(full + "/" + checkpoint, out + "/" + checkpoint));
            QVERIFY(QFile::copy(full + "/log.jsonl", out + "/log.jsonl"));
            const test::CliRun b = test::run_cli(QStringList(common) << "--out" << out << "--resume" << out + "/" + checkpoint);
            QVERIFY2(b.code == 0, qPrintable(b.err));
            QVERIFY2(b.err.contains("Resuming"), qPrintable(b.err));
            QCOMPARE(losses(out + "/log.jsonl"), want);
            const QByteArray x = file_bytes(full + "/imagebind.pth"), y = file_bytes(out + "/imagebind.pth");
            QVERIFY(!x.isEmpty());
            QVERIFY2(x == y, qPrintable(checkpoint));
        }
        const auto refused = [&](const QStringList& args, const QString& expected) {
            const QString out = dir.path() + "/refused";
            const test::CliRun r = test::run_cli(QStringList(args) << "--out" << out);
            QVERIFY2(r.code == 2, qPrintable(r.err));
            QVERIFY2(r.err.contains(expected), qPrintable(r.err));
            QVERIFY2(!QFileInfo::exists(out + "/imagebind.pth"), qPrintable(r.err));
        };
        // A stage's output is a model, not a checkpoint.
        refused(QStringList(common) << "--resume" << full + "/imagebind.pth", "--imagebind " + full + "/imagebind.pth");
        // Another stage's checkpoint, and other settings.
        QStringList modalities = common;
        modalities[modalities.indexOf("all")] = "modalities";
        refused(QStringList(modalities) << "--resume" << full + "/checkpoint-text-epoch1.pth", "--stage all");
        QStringList longer = common;
        longer[longer.indexOf("--epochs") + 1] = "3";
        refused(QStringList(longer) << "--resume" << full + "/checkpoint-text-epoch1.pth", "epochs");
    }

    // What a user can get wrong, each one line naming the file or the flag and the fix, and
    // nothing written.
    void badInputsAreRefused() {
        const QTemporaryDir dir;
        const QString world = dir.path() + "/world";
        QCOMPARE(test::run_cli({"world", "make", "--out", world, "--count", "36", "--seed", "2", "--modalities", "image"}).code, 0);
        const auto refused = [&](const QStringList& extra, const QString& expected) {
            const QString out = dir.path() + "/out";
            QStringList args = {"train", "imagebind", "--data", world, "--out", out};
            args += extra;
            const test::CliRun r = test::run_cli(args);
            QVERIFY2(r.code == 2, qPrintable(r.err));
            QVERIFY2(r.err.contains(expected), qPrintable(r.err));
            QVERIFY2(!QFileInfo::exists(out + "/imagebind.pth"), qPrintable(r.err));
        };
        // A world without the sounds, points and depth maps the modalities stage trains on.
        refused({"--imagebind-config", kSolidsConfig, "--stage", "all"}, "has no audio files");
        // The modalities stage binds to a trained image encoder.
        refused({"--imagebind-config", kSolidsConfig, "--stage", "modalities"}, "--imagebind");
        refused({"--imagebind-config", kSolidsConfig, "--resume", dir.path() + "/x.pth"}, "does not exist");
        refused({"--stage", "text"}, "--imagebind-config");
        // A config whose width does not divide into its heads.
        nlohmann::json bad = nlohmann::json::parse(std::ifstream(kSolidsConfig.toStdString()));
        bad["modalities"]["vision"]["num_heads"] = 3;
        const QString bad_path = dir.path() + "/bad_config.json";
        std::ofstream(bad_path.toStdString()) << bad.dump();
        refused({"--imagebind-config", bad_path, "--stage", "text"}, "bad_config.json");
    }

    // New weights for a config: every tensor the product reads, seeded, and they load and
    // encode in the product's inference modules.
    void newWeightsLoadInTheProduct() {
        const TensorStore a = new_imagebind_weights(config_, 7), b = new_imagebind_weights(config_, 7),
                          c = new_imagebind_weights(config_, 8);
        QCOMPARE(a.size(), b.size());
        bool differs = false;
        for (const std::string& name : a.names()) {
            QVERIFY2(at::equal(a.get(name), b.get(name)), name.c_str());
            if (!at::equal(a.get(name), c.get(name))) differs = true;
            QVERIFY2(weights_.contains(name), (name + " is not a tensor of the release layout").c_str());
            QVERIFY2(a.get(name).sizes() == weights_.get(name).sizes(), name.c_str());
        }
        QVERIFY(differs);
        const ImageBindModel model(a, config_, at::kFloat);
        for (const auto& [g, trunk] : {std::pair{"vision", ImageBindTrunk::Vision}, std::pair{"audio", ImageBindTrunk::Audio},
                                       std::pair{"text", ImageBindTrunk::Text}, std::pair{"depth", ImageBindTrunk::Depth}}) {
            const at::Tensor out = model.forward(trunk, golden_.get(std::string(g) + ".input"));
            QVERIFY2(at::isfinite(out).all().item<bool>(), g);
        }
        QVERIFY(at::isfinite(PointEncoder(a, point_, at::kFloat).forward(golden_.get("point.input"))).all().item<bool>());
        // The logit scales start at their config's init (the text one is learnable, at 1/0.07).
        const std::string scale = "modality_postprocessors.text.1.log_logit_scale";
        QVERIFY(a.contains(scale));
        QVERIFY(std::abs(std::exp(a.get(scale).item<double>()) - config_.modalities.at("text").postprocess.logit_scale_init) < 1e-3);
    }
};

QTEST_GUILESS_MAIN(TestImageBindTraining)
#include "test_imagebind_training.moc"
