// The solids world's generator (shared/solids-world.md): files that open in the product's own
// loaders and follow the spec, checked by what a sensor would measure: the colour near an
// image's centre, a sound's pitch by its spectrum, 10,000 points on the solid's surface, depth
// in range; the manifests parse in the training loaders; bad requests are refused.
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>
#include <complex>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "app/wav_file.h"
#include "engine/engine.h"
#include "engine/llama/tokenizer.h"
#include "engine/train/training_data.h"
#include "engine/world/solid_points.h"
#include "engine/world/solids_vocabulary.h"
#include "media/av/audio_decoder.h"
#include "media/image/image_file.h"
#include "media/points/point_cloud_file.h"

#include "cli_run.h"

using namespace ibllm;
namespace fs = std::filesystem;

namespace {

using Run = ibllm::test::CliRun;
using ibllm::test::run_cli;

// The palette colour whose hue is nearest: shading scales a colour, so compare directions.
int nearest_colour(const double rgb[3]) {
    int best = -1;
    double best_cos = -2;
    for (int c = 0; c < kWorldColours; ++c) {
        const double* p = world::kColourWords[c].rgb;
        const double d = rgb[0] * p[0] + rgb[1] * p[1] + rgb[2] * p[2];
        const double n = std::sqrt(rgb[0] * rgb[0] + rgb[1] * rgb[1] + rgb[2] * rgb[2]) * std::sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
        if (d / n > best_cos) best_cos = d / n, best = c;
    }
    return best;
}

// Magnitude of the spectrum at `f` Hz (a single DFT bin, Hann window).
double magnitude_at(const std::vector<float>& x, int rate, double f) {
    std::complex<double> acc = 0;
    const size_t n = x.size();
    for (size_t i = 0; i < n; ++i) {
        const double w = 0.5 - 0.5 * std::cos(2 * M_PI * i / (n - 1));
        acc += w * x[i] * std::polar(1.0, -2 * M_PI * f * i / rate);
    }
    return std::abs(acc) / n;
}

}  // namespace

class TestWorld : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

private Q_SLOTS:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void classesAreBalancedAndSeeded() {
        std::vector<int> counts(36, 0);
        for (int i = 0; i < 72; ++i) {
            const WorldItem a = make_world_item("point", i, 5);
            ++counts[a.shape * 6 + a.colour];
        }
        for (int c : counts) QCOMPARE(c, 2);
        const WorldItem x = make_world_item("image", 3, 9), y = make_world_item("image", 3, 9), z = make_world_item("image", 3, 10);
        QVERIFY(x.rgb == y.rgb);
        QVERIFY(x.rgb != z.rgb);
    }

    // The solid's colour near the centre, the grey background in the corners.
    void imagesShowTheirColour() {
        int right = 0, total = 0;
        for (int i = 0; i < 72; ++i) {
            const WorldItem it = make_world_item("image", i, 1);
            QVERIFY(it.width >= 224 && it.height >= 224 && it.width <= 640 && it.height <= 640 && std::min(it.width, it.height) <= 480);
            // The solid's pixels: those far from grey. Their mean colour's hue names the colour.
            double sum[3] = {0, 0, 0};
            int n = 0;
            for (size_t p = 0; p < it.rgb.size(); p += 3) {
                const int r = it.rgb[p], g = it.rgb[p + 1], b = it.rgb[p + 2];
                if (std::max({r, g, b}) - std::min({r, g, b}) < 40) continue;
                sum[0] += r, sum[1] += g, sum[2] += b, ++n;
            }
            // A torus seen edge-on is thin, but never gone.
            QVERIFY2(n >= 200, qPrintable(QString("image %1 shows no solid").arg(i)));
            right += nearest_colour(sum) == it.colour;
            ++total;
            // The centre of the solid's pixels lies near the image centre (within 15% plus its size).
            const uint8_t* corner = it.rgb.data();
            QVERIFY(std::abs(int(corner[0]) - int(corner[1])) <= 12 && corner[0] >= 135);  // grey 150..245 with noise
        }
        QCOMPARE(right, total);
    }

    // Colour sets the pitch (the tone within 3%), shape the timbre.
    void soundsHaveThePitchAndTimbreOfTheSpec() {
        for (int i = 0; i < 36; ++i) {
            const WorldItem it = make_world_item("audio", i, 2);
            QVERIFY(it.sample_rate >= 16000 && it.sample_rate <= 48000);
            QVERIFY(it.channels == 1 || it.channels == 2);
            const double seconds = double(it.samples.size()) / it.channels / it.sample_rate;
            QVERIFY(seconds >= 1.5 - 1e-3 && seconds <= 4 + 1e-3);
            std::vector<float> mono;
            for (size_t k = 0; k < it.samples.size(); k += it.channels) mono.push_back(it.samples[k]);
            mono.resize(std::min<size_t>(mono.size(), static_cast<size_t>(it.sample_rate)));  // one second is enough
            double peak = 0;
            for (float v : it.samples) peak = std::max(peak, double(std::abs(v)));
            QVERIFY(peak >= 0.18 && peak <= 0.85);
            // The fundamental: the strongest of the six tones' neighbourhoods, searched in 0.5%
            // steps, then refined in 0.05% steps.
            double best = 0, best_f = 0;
            for (int c = 0; c < kWorldColours; ++c)
                for (double s = 0.96; s <= 1.04; s += 0.005) {
                    const double f = world::kColourWords[c].tone_hz * s, m = magnitude_at(mono, it.sample_rate, f);
                    if (m > best) best = m, best_f = f;
                }
            const double coarse = best_f;
            for (double s = 0.9965; s <= 1.0035; s += 0.0005) {
                const double m = magnitude_at(mono, it.sample_rate, coarse * s);
                if (m > best) best = m, best_f = coarse * s;
            }
            const double tone = world::kColourWords[it.colour].tone_hz;
            QVERIFY2(std::abs(best_f / tone - 1) <= 0.035, qPrintable(QString("%1 Hz for a %2 tone").arg(best_f).arg(tone)));
            // Timbre: square and sawtooth waves carry a third harmonic at about 1/3, the
            // triangle 1/9, a sine (sphere) none.
            double h3 = 0;
            for (double s = 0.995; s <= 1.005; s += 0.0005) h3 = std::max(h3, magnitude_at(mono, it.sample_rate, 3 * best_f * s) / best);
            const std::string shape = world_shape_name(it.shape);
            if (shape == "cube" || shape == "cone") QVERIFY2(h3 > 0.2, qPrintable(QString("%1: h3 %2").arg(shape.c_str()).arg(h3)));
            if (shape == "sphere") QVERIFY2(h3 < 0.02, qPrintable(QString("sphere: h3 %1").arg(h3)));
            if (shape == "pyramid") QVERIFY2(h3 > 0.05 && h3 < 0.2, qPrintable(QString("pyramid: h3 %1").arg(h3)));
        }
    }

    // 10,000 points on the rotated, scaled surface, with the spec's noise.
    void pointsLieOnTheSurface() {
        std::mt19937_64 rng(3);
        for (int s = 0; s < kWorldShapes; ++s) {
            const world::PointSpec spec = world::random_points(rng);
            const std::vector<float> xyz = world::sample_solid_points(static_cast<world::Shape>(s), spec, 11);
            QCOMPARE(xyz.size(), size_t{30000});
            const world::Mat3 back = world::transpose(spec.rotation);
            int close = 0;
            const int checked = 300;
            for (int i = 0; i < checked; ++i) {
                const world::Vec3 p{xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2]};
                const world::Vec3 q = (1.0 / spec.scale) * (back * (p - spec.translation));
                close += world::distance_to_surface(static_cast<world::Shape>(s), q) * spec.scale <= 4 * spec.noise_sigma;
            }
            QVERIFY2(close >= checked - 1, qPrintable(QString("%1: %2 of %3 points on the surface").arg(s).arg(close).arg(checked)));
        }
    }

    void depthIsInRange() {
        for (int i = 0; i < 36; ++i) {
            const WorldItem it = make_world_item("depth", i, 4);
            uint16_t lo = 65535, hi = 0;
            int zero = 0;
            for (uint16_t v : it.depth_mm) {
                if (v == 0) {
                    ++zero;
                    continue;
                }
                lo = std::min(lo, v), hi = std::max(hi, v);
            }
            QVERIFY2(lo >= 395 && lo <= 1205, qPrintable(QString("nearest %1 mm").arg(lo)));
            // Either a wall 500-1500 mm behind the solid or no reading at all around it.
            QVERIFY(zero > 0 || hi >= lo + 500);
            QVERIFY(hi <= 1200 + 1500 + 1500);
        }
    }

    // The CLI's folder: every file opens in the product's loaders, the manifests parse in the
    // training loaders, labels.csv lists everything.
    void folderOpensInTheLoaders() {
        const QString out = dir_.path() + "/world";
        const Run r = run_cli({"world", "make", "--out", out, "--count", "8", "--seed", "7", "--split", "train"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const fs::path root = (out + "/train").toStdString();
        std::ifstream labels(root / "labels.csv");
        std::string line;
        std::getline(labels, line);
        QCOMPARE(line, std::string("file,modality,shape,colour"));
        std::map<std::string, int> per_modality;
        while (std::getline(labels, line)) {
            std::stringstream row(line);
            std::string file, modality, shape, colour;
            std::getline(row, file, ',');
            std::getline(row, modality, ',');
            std::getline(row, shape, ',');
            std::getline(row, colour, ',');
            ++per_modality[modality];
            const std::string path = (root / file).string();
            QVERIFY2(fs::is_regular_file(path), path.c_str());
            if (modality == "image") {
                const media::RgbImage img = media::load_rgb_image(path);
                QVERIFY(img.width >= 224);
            } else if (modality == "depth") {
                const media::GrayImage d = media::load_gray_image(path);
                QCOMPARE(d.bits, 16);
            } else if (modality == "audio") {
                const media::DecodedAudio a = media::decode_audio(path);
                QVERIFY(a.sample_rate >= 16000 && a.frames > 16000);
            } else {
                const media::PointCloudData p = media::load_point_cloud(path);
                QCOMPARE(p.count, int64_t{10000});
            }
        }
        for (const std::string m : {"image", "audio", "point", "depth"}) QCOMPARE(per_modality[m], 8);
        const std::vector<TrainingExample> pre = read_training_data((root / "pretrain.csv").string(), TrainingPhase::Pretrain);
        QCOMPARE(pre.size(), size_t{8});
        const std::vector<TrainingExample> fine = read_training_data((root / "finetune.json").string(), TrainingPhase::Finetune);
        QCOMPARE(fine.size(), size_t{16});
        bool chinese = false;
        for (const TrainingExample& e : fine) chinese = chinese || e.instruction.find("？") != std::string::npos ||
                                                         e.instruction.find("。") != std::string::npos;
        QVERIFY(chinese);
        for (const auto& e : fs::directory_iterator(root / "images")) QVERIFY(e.path().extension() != ".tmp");
    }

    // `train tokenizer`: every Chinese character of the spec is a piece, the world's sentences
    // round-trip, and the file is a LLaMA-style tokenizer the product loads.
    void tokenizerCoversTheWorld() {
        const QString world = dir_.path() + "/tokworld", out = dir_.path() + "/tok";
        QCOMPARE(run_cli({"world", "make", "--out", world, "--count", "36", "--seed", "3", "--modalities", "image"}).code, 0);
        const Run r = run_cli({"train", "tokenizer", "--data", world, "--out", out, "--vocab-size", "400"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const Tokenizer tok((out + "/tokenizer.model").toStdString());
        QCOMPARE(tok.n_words(), 400);
        QCOMPARE(tok.bos_id(), 1);
        QCOMPARE(tok.eos_id(), 2);
        for (int s = 0; s < kWorldShapes; ++s)
            for (int c = 0; c < kWorldColours; ++c)
                for (const WorldQuestion& q : world_questions(s, c))
                    for (const std::string& text : {q.question, q.answer}) {
                        const std::vector<int> ids = tok.encode(text, false, false);
                        QCOMPARE(tok.decode(ids), text);
                        if (q.chinese)
                            for (int id : ids) QVERIFY2(!tok.is_byte(id), (text + ": a byte piece").c_str());
                    }
        // Text from elsewhere still encodes, through byte pieces.
        const std::string other = "一只猫 🐈";
        QCOMPARE(tok.decode(tok.encode(other, false, false)), other);
        QCOMPARE(run_cli({"train", "tokenizer", "--data", dir_.path() + "/nothing", "--out", out}).code, 2);
    }

    // The stages built so far, at toy size on world files: tokenizer, a base LLaMA learning the
    // world's text (its loss falls; Meta's layout), pre-training on it, and the answer path.
    void microPipelineRunsAndLearns() {
        const QString w = dir_.path() + "/micro";
        QCOMPARE(run_cli({"world", "make", "--out", w, "--count", "48", "--seed", "8", "--modalities", "image"}).code, 0);
        QCOMPARE(run_cli({"train", "tokenizer", "--data", w, "--out", w + "/tok"}).code, 0);
        const QString tok = w + "/tok/tokenizer.model";
        const Run base = run_cli({"train", "base", "--tokenizer", tok, "--data", w, "--out", w + "/base", "--dim", "64", "--layers", "2",
                                  "--heads", "4", "--epochs", "3", "--batch-size", "8", "--blr", "0.05", "--warmup-epochs", "0.5",
                                  "--max-words", "96", "--threads", "2"});
        QVERIFY2(base.code == 0, qPrintable(base.err));
        std::vector<double> losses;
        {
            std::ifstream in((w + "/base/log.jsonl").toStdString());
            for (std::string line; std::getline(in, line);) losses.push_back(nlohmann::json::parse(line).at("loss").get<double>());
        }
        QVERIFY(losses.size() >= 10);
        QVERIFY2(losses.back() < 0.5 * losses.front(), qPrintable(QString("loss %1 -> %2").arg(losses.front()).arg(losses.back())));
        const Run inspect = run_cli({"inspect", w + "/base/consolidated.00.pth"});
        QVERIFY(inspect.out.contains("tok_embeddings.weight\tfloat16") && inspect.out.contains("layers.1.feed_forward.w3.weight") &&
                inspect.out.contains("output.weight"));
        const nlohmann::json params = nlohmann::json::parse(std::ifstream((w + "/base/params.json").toStdString()));
        QCOMPARE(params.at("dim").get<int>(), 64);
        QCOMPARE(params.at("vocab_size").get<int>(), -1);
        // Pre-training on the new base, with ImageBind (the tiny test model), then an answer.
        const QString ib = test::data_file(QStringLiteral("imagebind/"));
        const Run pre = run_cli({"train", "pretrain", "--llama", w + "/base", "--tokenizer", tok, "--imagebind", ib + "imagebind.pth",
                                 "--imagebind-config", ib + "imagebind_config.json", "--data", w + "/pretrain.csv", "--out", w + "/pre",
                                 "--epochs", "1", "--batch-size", "8", "--blr", "0.5", "--max-words", "96", "--threads", "2"});
        QVERIFY2(pre.code == 0, qPrintable(pre.err));
        const Run ask = run_cli({"ask", "--llama", w + "/base", "--tokenizer", tok, "--adapter", w + "/pre/adapter.pth", "--imagebind",
                                 ib + "imagebind.pth", "--imagebind-config", ib + "imagebind_config.json", "--image",
                                 w + "/images/" + QString::fromStdString(fs::directory_iterator((w + "/images").toStdString())->path().filename().string()),
                                 "--temperature", "0", "--max-tokens", "8", "--ids", "What is this?"});
        QVERIFY2(ask.code == 0, qPrintable(ask.err));
        QVERIFY(ask.out.contains("ids: ["));
    }

    void impossibleRequestsAreRefused() {
        const QString out = dir_.path() + "/bad";
        for (const QStringList& extra : {QStringList{"--count", "0"}, QStringList{"--count", "5", "--image-size", "100x100"},
                                         QStringList{"--count", "5", "--modalities", "smell"}}) {
            const Run r = run_cli(QStringList{"world", "make", "--out", out, "--seed", "1"} << extra);
            QCOMPARE(r.code, 2);
            QCOMPARE(r.err.trimmed().count('\n'), 0);
        }
        QVERIFY(!fs::exists((out + "/labels.csv").toStdString()));
    }
};

QTEST_GUILESS_MAIN(TestWorld)
#include "test_world.moc"
