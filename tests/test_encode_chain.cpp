// The full chain from a user's file to its ImageBind embedding, as the app and CLI run it
// (media/ decoding -> engine preprocessing -> encoder), against the reference's chain.*
// goldens of the ImageBind fixture; plus `ibllm-cli embed` / `preprocess` on the same files.
#include <ATen/ATen.h>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include "app/attachment_decoder.h"
#include "engine/checkpoint/npy.h"
#include "engine/engine.h"
#include "golden.h"

using namespace ibllm;
using namespace ibllm::test;

namespace {

std::string ib(const std::string& rel) { return data_path("imagebind/" + rel); }

at::Tensor unit(const at::Tensor& t) {
    at::Tensor f = t.to(at::kFloat).reshape({-1});
    return f / f.norm();
}

at::Tensor as_tensor(const std::vector<float>& v) { return at::tensor(v); }

}  // namespace

class TestEncodeChain : public QObject {
    Q_OBJECT
    TensorStore pre_{""};
    Engine engine_;
    QTemporaryDir tmp_;

    int cli(const QStringList& args, QString* err = nullptr) {
        QProcess p;
        p.start(ibllm::test::bin_path(QStringLiteral("ibllm-cli")), args);
        p.waitForFinished(300000);
        if (err) *err = QString::fromUtf8(p.readAllStandardError());
        return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    }

private Q_SLOTS:
    void initTestCase() {
        pre_ = TensorStore::from_pth(ib("preprocess.pth"));
        engine_.load_imagebind(ib("imagebind.pth"), ib("imagebind_config.json"), Precision::Fp32);
        QVERIFY(engine_.has_imagebind());
    }

    void fileToEmbedding_data() {
        QTest::addColumn<QString>("modality");
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("golden");
        QTest::newRow("image") << "image" << "assets/bird_image.jpg" << "chain.image.bird_image.output";
        QTest::newRow("audio") << "audio" << "assets/bird_audio.wav" << "chain.audio.bird_audio.output";
        QTest::newRow("video") << "video" << "assets/testsrc2_320x240_25fps_6s.mp4" << "chain.video.testsrc2_320x240_25fps_6s.output";
        QTest::newRow("point .pt") << "point" << "assets/airplane.pt" << "chain.point.airplane.output";
        QTest::newRow("point .ply") << "point" << "assets/airplane.ply" << "chain.point.airplane.output";
    }

    void fileToEmbedding() {
        QFETCH(QString, modality);
        QFETCH(QString, file);
        QFETCH(QString, golden);
        // Points take the reference loader path here, as the golden was made with it.
        EncoderInput in = app::decode_attachment(parse_modality(modality.toStdString()), ib(file.toStdString()), true);
        const at::Tensor e = as_tensor(engine_.embed(in));
        // The app normalises the reference forward() output (which carries the clip mean and
        // the logit scale) because the fusion normalises every embedding anyway.
        IBLLM_COMPARE_TENSORS(e, unit(pre_.get(golden.toStdString())), 1e-4);
    }

    void textToEmbedding() {
        const auto meta = load_json(ib("preprocess_meta.json"));
        const auto strings = meta["text"]["strings"].get<std::vector<std::string>>();
        const at::Tensor golden = pre_.get("chain.text.strings.output");
        QCOMPARE(int64_t(strings.size()), golden.size(0));
        for (size_t i = 0; i < strings.size(); ++i) {
            EncoderInput in;
            in.modality = Modality::Text;
            in.text = strings[i];
            IBLLM_COMPARE_TENSORS(as_tensor(engine_.embed(in)), unit(golden[i]), 1e-4);
        }
    }

    void userPointCloudIsPrepared() {
        // The product path centres and scales: the note says so, and the embedding differs
        // from the reference path's only through that preparation.
        std::string note;
        const auto e = app::encode_attachment(engine_, Modality::Point, ib("assets/airplane.ply"), &note);
        QVERIFY2(QString::fromStdString(note).contains("unit sphere"), note.c_str());
        QCOMPARE(int64_t(e.size()), int64_t(32));
        QVERIFY(std::abs(as_tensor(e).norm().item<double>() - 1.0) < 1e-5);
    }

    void guessesModalities() {
        QVERIFY(app::guess_modality("a/B.JPG") == Modality::Image);
        QVERIFY(app::guess_modality("x.flac") == Modality::Audio);
        QVERIFY(app::guess_modality("x.mkv") == Modality::Video);
        QVERIFY(app::guess_modality("x.pcd") == Modality::Point);
        QVERIFY(app::guess_modality("x.csv") == Modality::Imu);
        QVERIFY(!app::guess_modality("notes.docx").has_value());
        // Only the file name's own extension counts; a name that starts with its dot has none.
        QVERIFY(!app::guess_modality("clips.mp4/readme").has_value());
        QVERIFY(!app::guess_modality("dir/.csv").has_value());
        QVERIFY(!app::guess_modality("x.").has_value());
        QVERIFY(app::guess_modality("a.tar.PLY") == Modality::Point);
    }

    void badFilesAreOneSentence() {
        const QString bad = tmp_.filePath("broken.jpg");
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("this is not a JPEG");
        f.close();
        for (const auto& [m, path] : std::vector<std::pair<Modality, std::string>>{
                 {Modality::Image, bad.toStdString()},
                 {Modality::Audio, ib("assets/bird_image.jpg")},
                 {Modality::Video, ib("assets/dog_audio.wav")},
                 {Modality::Point, "/nonexistent/cloud.ply"}}) {
            bool threw = false;
            try {
                app::decode_attachment(m, path);
            } catch (const Error& e) {
                const QString msg = QString::fromUtf8(e.what());
                threw = msg.contains(QString::fromStdString(std::filesystem::path(path).filename().string()));
                if (!threw) qWarning("%s", e.what());
            }
            QVERIFY2(threw, path.c_str());
        }
    }

    void cliEmbedAndPreprocess() {
        const QString out = tmp_.filePath("bird.npy");
        QString err;
        QCOMPARE(cli({"embed", "--imagebind", QString::fromStdString(ib("imagebind.pth")), "--imagebind-config",
                      QString::fromStdString(ib("imagebind_config.json")), "--image", QString::fromStdString(ib("assets/bird_image.jpg")),
                      "--out", out}, &err), 0);
        const at::Tensor e = read_npy(out.toStdString());
        QCOMPARE(e.sizes(), (at::IntArrayRef{1, 32}));
        IBLLM_COMPARE_TENSORS(e, unit(pre_.get("chain.image.bird_image.output")), 1e-4);

        const QString pre = tmp_.filePath("bird_pre.npy");
        QCOMPARE(cli({"preprocess", "--image", QString::fromStdString(ib("assets/bird_image.jpg")), "--out", pre}, &err), 0);
        IBLLM_COMPARE_TENSORS(read_npy(pre.toStdString()), pre_.get("image.bird_image.output"), 1e-6);

        const QString pts = tmp_.filePath("plane.npy");
        QCOMPARE(cli({"preprocess", "--point", QString::fromStdString(ib("assets/airplane.xyz")), "--reference", "--out", pts}, &err), 0);
        IBLLM_COMPARE_TENSORS(read_npy(pts.toStdString()), pre_.get("points.airplane.from_xyz"), 1e-6);

        const QString audio = tmp_.filePath("dog.npy");
        QCOMPARE(cli({"preprocess", "--audio", QString::fromStdString(ib("assets/dog_audio.wav")), "--out", audio}, &err), 0);
        IBLLM_COMPARE_TENSORS(read_npy(audio.toStdString()), pre_.get("audio.dog_audio.output"), 2e-4);

        // An input the tool cannot read: exit code 2, one line naming the file.
        QCOMPARE(cli({"preprocess", "--video", QString::fromStdString(ib("assets/dog_audio.wav")), "--out", audio}, &err), 2);
        QVERIFY2(err.contains("dog_audio.wav") && err.trimmed().count('\n') == 0, qPrintable(err));
    }

    void askAboutFiles() {
        // `ask` with files gives the same answer as `ask` with their precomputed embeddings.
        const QStringList model = {"--llama", QString::fromStdString(data_path("llama_adapter")), "--tokenizer",
                                   QString::fromStdString(data_path("llama_adapter/tokenizer.model")), "--adapter",
                                   QString::fromStdString(data_path("llama_adapter/adapter.pth")), "--precision", "fp32",
                                   "--temperature", "0", "--max-tokens", "8", "--ids"};
        const QString imagebind = QString::fromStdString(ib("imagebind.pth"));
        const QString config = QString::fromStdString(ib("imagebind_config.json"));
        const QString image = QString::fromStdString(ib("assets/dog_image.jpg"));
        const QString audio = QString::fromStdString(ib("assets/dog_audio.wav"));
        const QString image_npy = tmp_.filePath("dog_image.npy"), audio_npy = tmp_.filePath("dog_audio.npy");
        QCOMPARE(cli({"embed", "--imagebind", imagebind, "--imagebind-config", config, "--image", image, "--out", image_npy}), 0);
        QCOMPARE(cli({"embed", "--imagebind", imagebind, "--imagebind-config", config, "--audio", audio, "--out", audio_npy}), 0);

        auto answer = [&](const QStringList& inputs) {
            QProcess p;
            p.start(ibllm::test::bin_path(QStringLiteral("ibllm-cli")), QStringList{"ask"} + model + inputs + QStringList{"What is this?"});
            p.waitForFinished(300000);
            const QString out = QString::fromUtf8(p.readAllStandardOutput());
            if (p.exitCode() != 0) qWarning("%s", p.readAllStandardError().constData());
            for (const QString& line : out.split('\n'))
                if (line.startsWith("ids: ")) return line;
            return QString();
        };
        const QString from_files = answer({"--imagebind", imagebind, "--imagebind-config", config, "--image", image, "--audio",
                                           audio, "--weight", "audio=0.5"});
        const QString from_embeddings = answer({"--embedding", "image=" + image_npy, "--embedding", "audio=" + audio_npy,
                                                "--weight", "audio=0.5"});
        QVERIFY(!from_files.isEmpty());
        QCOMPARE(from_files, from_embeddings);
        // And the image matters: without the audio the answer changes.
        QVERIFY(answer({"--embedding", "image=" + image_npy}) != from_embeddings);
    }
};

QTEST_GUILESS_MAIN(TestEncodeChain)
#include "test_encode_chain.moc"
