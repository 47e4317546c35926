// What the desktop app decides without widgets: model-file validation messages, remembered
// settings, the AskRequest built from a conversation and its attachments, the prompt
// history, and the modality guessed from a file name.
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QSet>
#include <QSettings>
#include <QTemporaryDir>
#include <QtTest>

#include "app/answer_settings.h"
#include "app/ask_request_builder.h"
#include "app/attachment_spec.h"
#include "app/engine_worker.h"
#include "app/model_config.h"
#include "app/model_validation.h"
#include "app/system_prompt_presets.h"
#include "app/weights_format_needs.h"
#include "ui/prompt_history.h"

using namespace ibllm;
using namespace ibllm::app;

namespace {

void writeFile(const QString& path, const QByteArray& bytes) {
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

QByteArray params(int dim, int layers) {
    return QStringLiteral("{\"dim\": %1, \"multiple_of\": 256, \"n_heads\": 32, \"n_layers\": %2, \"norm_eps\": 1e-06, "
                          "\"vocab_size\": -1}")
        .arg(dim)
        .arg(layers)
        .toUtf8();
}

// Its own length (the literal holds NUL-free bytes); a count past it read beyond the literal.
const QByteArray kZip("PK\x03\x04 rest of a torch zip");

StoredMessage message(Role role, const QString& text, QList<StoredAttachment> attachments = {}) {
    StoredMessage m;
    m.role = role;
    m.text = text;
    m.attachments = attachments;
    return m;
}

}  // namespace

class TestDesktopSettings : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString path(const QString& p) const { return dir_.filePath(p); }

    // A plausible real 7B layout: llama/7B/{params.json,consolidated.00.pth}, llama/tokenizer.model.
    ModelPaths real7B() {
        writeFile(path(QStringLiteral("llama/7B/params.json")), params(4096, 32));
        writeFile(path(QStringLiteral("llama/7B/consolidated.00.pth")), kZip);
        writeFile(path(QStringLiteral("llama/tokenizer.model")), QByteArray("\x0a\x05piece", 7));
        writeFile(path(QStringLiteral("adapter/7B.pth")), kZip);
        ModelPaths p;
        p.llama_dir = path(QStringLiteral("llama/7B")).toStdString();
        p.tokenizer = path(QStringLiteral("llama/tokenizer.model")).toStdString();
        p.adapter = path(QStringLiteral("adapter/7B.pth")).toStdString();
        return p;
    }

private Q_SLOTS:
    void acceptsAComplete7BLayout() {
        const ModelCheck c = checkModelPaths(real7B());
        QVERIFY2(c.ok(), qPrintable(c.problems().join(QLatin1Char('\n'))));
        QCOMPARE(c.llamaDescription, QStringLiteral("LLaMA-7B"));
    }

    // Photos and their maps dropped together pair by name; anything else stays as it was.
    void pairsImagesWithTheirMaps() {
        for (const char* f : {"room.png", "room_depth.png", "desk_rgb.jpg", "desk-normals.png", "depth.png", "song.wav"})
            writeFile(path(QStringLiteral("drop/") + f), QByteArray("x"));
        const QString d = path(QStringLiteral("drop/"));
        const QList<AttachmentSpec> specs = pairImageMaps({d + "room.png", d + "song.wav", d + "room_depth.png", d + "desk_rgb.jpg",
                                                           d + "desk-normals.png", d + "depth.png"});
        QCOMPARE(specs.size(), 4);
        QCOMPARE(specs[0].modality, Modality::Rgbd);
        QCOMPARE(imagePairParts(specs[0].path),
                 (QStringList{QFileInfo(d + "room.png").absoluteFilePath(), QFileInfo(d + "room_depth.png").absoluteFilePath()}));
        QCOMPARE(specs[1].modality, Modality::Rgbn);
        QCOMPARE(specs[2].path, d + "song.wav");
        QCOMPARE(specs[2].modality, Modality::Audio);
        QCOMPARE(specs[3].path, d + "depth.png");  // a map with no photo stays an image
        QVERIFY(imagePairParts(d + "room.png").isEmpty());
        // What each family cannot read, in one sentence; what it can, nothing.
        QVERIFY(familyRefusal(true, Modality::Thermal).contains(QStringLiteral("thermal")));
        QVERIFY(familyRefusal(true, Modality::Depth).contains(QStringLiteral("photo")));
        QVERIFY(familyRefusal(true, Modality::Fmri).isEmpty());
        QVERIFY(familyRefusal(false, Modality::Fmri).contains(QStringLiteral("OneLLM")));
        QVERIFY(familyRefusal(false, Modality::Thermal).isEmpty());
    }

    // A OneLLM folder is the whole model: only it is checked, and what it lacks is named.
    void acceptsAOnellmFolder() {
        writeFile(path(QStringLiteral("onellm/consolidated.00-of-01.pth")), kZip);
        writeFile(path(QStringLiteral("onellm/7B.json")), params(4096, 32));
        QVERIFY(isOnellmFolder(path(QStringLiteral("onellm"))));
        QVERIFY(!isOnellmFolder(path(QStringLiteral("llama/7B"))));
        ModelPaths p;
        p.onellm_dir = path(QStringLiteral("onellm")).toStdString();
        ModelCheck c = checkModelPaths(p);
        QVERIFY(!c.ok());
        QVERIFY2(c.llama.contains(QStringLiteral("tokenizer.model")), qPrintable(c.llama));
        writeFile(path(QStringLiteral("onellm/tokenizer.model")), QByteArray("\x0a\x05piece", 7));
        c = checkModelPaths(p);
        QVERIFY2(c.ok(), qPrintable(c.problems().join(QLatin1Char('\n'))));
        QCOMPARE(c.llamaDescription, QStringLiteral("OneLLM"));

        // Remembered between runs.
        QSettings s(path(QStringLiteral("onellm.ini")), QSettings::IniFormat);
        ModelConfig config;
        config.paths = p;
        QVERIFY(config.configured());
        saveModelConfig(s, config);
        QCOMPARE(loadModelConfig(s).paths.onellm_dir, p.onellm_dir);
    }

    void namesWhatIsWrongWithTheLlamaFolder() {
        ModelPaths p = real7B();
        p.llama_dir = path(QStringLiteral("empty")).toStdString();
        QDir().mkpath(path(QStringLiteral("empty")));
        ModelCheck c = checkModelPaths(p);
        QVERIFY(!c.ok());
        QVERIFY2(c.llama.contains(QStringLiteral("has no params.json")), qPrintable(c.llama));
        QVERIFY(c.llama.contains(QDir::toNativeSeparators(path(QStringLiteral("empty")))));

        // The top of the download: points at its 7B folder.
        p.llama_dir = path(QStringLiteral("llama")).toStdString();
        c = checkModelPaths(p);
        QVERIFY2(c.llama.contains(QStringLiteral("7B")) && c.llama.contains(QStringLiteral("choose that folder")),
                 qPrintable(c.llama));
        QCOMPARE(resolveLlamaFolder(path(QStringLiteral("llama"))), QDir(path(QStringLiteral("llama/7B"))).absolutePath());
        QCOMPARE(findTokenizerNear(path(QStringLiteral("llama/7B"))),
                 QDir(path(QStringLiteral("llama"))).absoluteFilePath(QStringLiteral("tokenizer.model")));

        writeFile(path(QStringLiteral("13B/params.json")), params(5120, 40));
        p.llama_dir = path(QStringLiteral("13B")).toStdString();
        c = checkModelPaths(p);
        QCOMPARE(c.llama, QStringLiteral("This is a LLaMA-13B params.json; ImageBind-LLM needs LLaMA-7B (dim 4096, 32 layers)."));

        writeFile(path(QStringLiteral("odd/params.json")), params(2048, 16));
        p.llama_dir = path(QStringLiteral("odd")).toStdString();
        QVERIFY(checkModelPaths(p).llama.contains(QStringLiteral("dim 2048 and 16 layers")));

        writeFile(path(QStringLiteral("broken/params.json")), "{\"dim\": 4096,");
        p.llama_dir = path(QStringLiteral("broken")).toStdString();
        QVERIFY(checkModelPaths(p).llama.contains(QStringLiteral("is not valid JSON")));

        writeFile(path(QStringLiteral("noweights/params.json")), params(4096, 32));
        p.llama_dir = path(QStringLiteral("noweights")).toStdString();
        QVERIFY(checkModelPaths(p).llama.contains(QStringLiteral("no consolidated.00.pth")));

        p.llama_dir = path(QStringLiteral("llama/7B/params.json")).toStdString();
        QVERIFY(checkModelPaths(p).llama.contains(QStringLiteral("is a file")));
        p.llama_dir.clear();
        QVERIFY(checkModelPaths(p).llama.startsWith(QStringLiteral("Choose the LLaMA-7B folder")));
    }

    void namesWhatIsWrongWithTheFiles() {
        ModelPaths p = real7B();
        writeFile(path(QStringLiteral("notes.txt")), "hello");
        p.tokenizer = path(QStringLiteral("notes.txt")).toStdString();
        p.adapter = path(QStringLiteral("notes.txt")).toStdString();
        p.imagebind = path(QStringLiteral("missing.pth")).toStdString();
        p.cache = path(QStringLiteral("llama")).toStdString();
        const ModelCheck c = checkModelPaths(p);
        QVERIFY(c.llama.isEmpty());
        QVERIFY2(c.tokenizer.contains(QStringLiteral("is not a SentencePiece model")), qPrintable(c.tokenizer));
        QVERIFY2(c.adapter.contains(QStringLiteral("is not a PyTorch checkpoint")), qPrintable(c.adapter));
        QVERIFY2(c.imagebind.contains(QStringLiteral("does not exist")), qPrintable(c.imagebind));
        QVERIFY2(c.cache.contains(QStringLiteral("is a folder")), qPrintable(c.cache));
        QCOMPARE(c.problems().size(), 4);

        // The optional files may be left empty; the required ones may not.
        p = real7B();
        p.tokenizer.clear();
        p.adapter.clear();
        const ModelCheck empty = checkModelPaths(p);
        QVERIFY(empty.imagebind.isEmpty() && empty.cache.isEmpty());
        QVERIFY(empty.tokenizer.contains(QStringLiteral("tokenizer.model")));
        QVERIFY(empty.adapter.contains(QStringLiteral("7B.pth")));
    }

    void theDemoLayoutIsValid() {
        // write_demo_model() is slow to call here; its layout is what demoModelPaths() names.
        const QString demo = path(QStringLiteral("demo"));
        writeFile(demo + QStringLiteral("/params.json"), params(128, 4));
        writeFile(demo + QStringLiteral("/consolidated.00.pth"), kZip);
        writeFile(demo + QStringLiteral("/tokenizer.model"), QByteArray("\x0a\x03" "abc", 5));
        writeFile(demo + QStringLiteral("/adapter.pth"), kZip);
        writeFile(demo + QStringLiteral("/knn.index"), "index");
        writeFile(demo + QStringLiteral("/DEMO_MODEL.txt"), "demo");
        const ModelCheck c = checkModelPaths(EngineWorker::demoModelPaths(demo));
        QVERIFY2(c.ok(), qPrintable(c.problems().join(QLatin1Char('\n'))));
        QVERIFY(c.llamaDescription.contains(QStringLiteral("demo")));
    }

    void remembersModelAndAnswerSettings() {
        QSettings s(path(QStringLiteral("settings.ini")), QSettings::IniFormat);
        QVERIFY(!loadModelConfig(s).configured());
        ModelConfig m;
        m.paths = real7B();
        m.paths.cache = "/data/knn.index";
        m.options.precision = Precision::Bf16;
        m.options.threads = 6;
        m.options.context = 1024;
        m.options.weight_format = WeightFormat::Q4;
        saveModelConfig(s, m);
        AnswerSettings a;
        a.sampling.temperature = 0.7;
        a.sampling.top_p = 0.9;
        a.sampling.max_tokens = 512;
        a.language = AnswerLanguage::Chinese;
        a.cache = CacheSettings{false, 20, 5.0, 0.3};
        saveAnswerSettings(s, a);
        s.sync();

        QSettings again(path(QStringLiteral("settings.ini")), QSettings::IniFormat);
        const ModelConfig m2 = loadModelConfig(again);
        QVERIFY(m2.configured());
        QCOMPARE(m2.paths.llama_dir, m.paths.llama_dir);
        QCOMPARE(m2.paths.cache, std::string("/data/knn.index"));
        QCOMPARE(m2.options.precision, Precision::Bf16);
        QCOMPARE(m2.options.threads, 6);
        QCOMPARE(m2.options.context, 1024);
        QCOMPARE(m2.options.weight_format, WeightFormat::Q4);
        const AnswerSettings a2 = loadAnswerSettings(again);
        QCOMPARE(a2.sampling.temperature, 0.7);
        QCOMPARE(a2.sampling.top_p, 0.9);
        QCOMPARE(a2.sampling.max_tokens, 512);
        QCOMPARE(a2.language, AnswerLanguage::Chinese);
        QCOMPARE(a2.cache.enabled, false);
        QCOMPARE(a2.cache.k, 20);
        QCOMPARE(a2.cache.t, 5.0);
        QCOMPARE(a2.cache.w, 0.3);

        // A hand-edited file is clamped, not trusted.
        again.setValue(QStringLiteral("answer/temperature"), 99);
        again.setValue(QStringLiteral("cache/k"), -3);
        again.setValue(QStringLiteral("answer/language"), QStringLiteral("klingon"));
        const AnswerSettings clamped = loadAnswerSettings(again);
        QCOMPARE(clamped.sampling.temperature, 2.0);
        QCOMPARE(clamped.cache.k, 1);
        QCOMPARE(clamped.language, AnswerLanguage::Auto);
    }

    void buildsTheRequestFromTheConversation() {
        const QList<StoredMessage> earlier{
            message(Role::User, QStringLiteral("What is this?"), {{1, Modality::Image, QStringLiteral("/a.png"), {}, 0.6},
                                                                   {2, Modality::Audio, QStringLiteral("/b.wav"), {}, 0.0}}),
            message(Role::Assistant, QStringLiteral("A dog.")),
            message(Role::User, QStringLiteral("Unanswered (the engine failed)")),
            message(Role::User, QStringLiteral("Is it happy?")),
            message(Role::Assistant, QStringLiteral("Yes.")),
        };
        AnswerSettings settings;
        settings.sampling.temperature = 0.3;
        settings.sampling.top_p = 0.5;
        settings.sampling.max_tokens = 99;
        settings.language = AnswerLanguage::English;
        settings.cache = CacheSettings{true, 7, 11.0, 0.25};

        // A follow-up without attachments keeps the latest ones (weight 0 is left out).
        AskRequest r = buildAskRequest(earlier, QStringLiteral("What breed?"), {}, settings);
        QCOMPARE(r.prompt, std::string("What breed?"));
        QCOMPARE(r.history.size(), size_t(2));
        QCOMPARE(r.history[0].instruction, std::string("What is this?"));
        QCOMPARE(r.history[0].answer, std::string("A dog."));
        QCOMPARE(r.history[1].instruction, std::string("Is it happy?"));
        QCOMPARE(r.history[1].answer, std::string("Yes."));
        QCOMPARE(r.attachments.size(), size_t(1));
        QCOMPARE(r.attachments[0].path, std::string("/a.png"));
        QCOMPARE(r.attachments[0].weight, 0.6);
        QVERIFY(r.attachments[0].embedding.empty());  // the worker encodes
        QCOMPARE(r.sampling.temperature, 0.3);
        QCOMPARE(r.sampling.top_p, 0.5);
        QCOMPARE(r.sampling.max_tokens, 99);
        QCOMPARE(r.language, AnswerLanguage::English);
        QCOMPARE(r.cache.k, 7);
        QCOMPARE(r.cache.t, 11.0);
        QCOMPARE(r.cache.w, 0.25);

        // New attachments replace the earlier ones, in chip order with their weights.
        r = buildAskRequest(earlier, QStringLiteral("And this?"),
                            {{Modality::Point, QStringLiteral("/c.ply"), 0.3, {}}, {Modality::Video, QStringLiteral("/d.mp4"), 0.7, {}}},
                            settings);
        QCOMPARE(r.attachments.size(), size_t(2));
        QCOMPARE(r.attachments[0].modality, Modality::Point);
        QCOMPARE(r.attachments[0].weight, 0.3);
        QCOMPARE(r.attachments[1].modality, Modality::Video);
        QCOMPARE(r.attachments[1].weight, 0.7);
        QVERIFY(buildAskRequest({}, QStringLiteral("Hi"), {}, settings).attachments.empty());

        // The system prompt is the first turn's context: the question's alone, the oldest
        // turn's later (where it stays as the conversation grows); blank means none.
        const QString system = QStringLiteral("Answer briefly.");
        QCOMPARE(buildAskRequest({}, QStringLiteral("Hi"), {}, settings, system).input, std::string("Answer briefly."));
        r = buildAskRequest(earlier, QStringLiteral("What breed?"), {}, settings, system);
        QCOMPARE(r.history[0].input, std::string("Answer briefly."));
        QVERIFY(r.history[1].input.empty() && r.input.empty());
        r = buildAskRequest(earlier, QStringLiteral("What breed?"), {}, settings, QStringLiteral("  \n"));
        QVERIFY(r.history[0].input.empty() && r.input.empty());
    }

    // The weights formats' needs: measured at the benchmark's sizes, a line between them.
    void weightsFormatNeedsFollowTheMeasurements() {
        const std::optional<double> n = llamaParameterCount(QString::fromStdString(real7B().llama_dir));
        QVERIFY(n && std::abs(*n - 6.738e9) < 1e6);
        QVERIFY(!llamaParameterCount(path(QStringLiteral("nowhere"))));
        const WeightsFormatNeeds bf16 = weightsFormatNeeds(WeightFormat::Bf16, *n), q4 = weightsFormatNeeds(WeightFormat::Q4, *n);
        QVERIFY(bf16.measured && q4.measured);
        QCOMPARE(bf16.memoryGiB, 19.12);
        QVERIFY(q4.memoryGiB < weightsFormatNeeds(WeightFormat::Int8, *n).memoryGiB && q4.memoryGiB < bf16.memoryGiB);
        const WeightsFormatNeeds between = weightsFormatNeeds(WeightFormat::Int8, 4e9);
        QVERIFY(!between.measured && between.memoryGiB > 4.73 && between.memoryGiB < 12.55);
        QVERIFY(weightsFormatSummary(WeightFormat::Bf16, n).contains(QStringLiteral("19.1 GiB")));
        const QString int8 = weightsFormatSummary(WeightFormat::Int8, n);
        QVERIFY2(int8.contains(QStringLiteral("1.9x")) && int8.contains(QStringLiteral("95%")), qPrintable(int8));
        QVERIFY(!weightsFormatSummary(WeightFormat::Q4, std::nullopt).contains(QStringLiteral("GiB")));
    }

    void offersSystemPromptPresets() {
        const QList<SystemPromptPreset> presets = systemPromptPresets();
        QVERIFY(presets.size() >= 4);
        QVERIFY(presets[0].text.isEmpty());  // "None"
        QSet<QString> texts;
        for (int i = 1; i < presets.size(); ++i) {
            QVERIFY(!presets[i].name.isEmpty() && !presets[i].text.isEmpty());
            texts.insert(presets[i].text);
        }
        QCOMPARE(texts.size(), presets.size() - 1);
    }

    void walksThePromptHistory() {
        ui::PromptHistory h(3);
        QVERIFY(!h.previous(QStringLiteral("draft")));
        h.add(QStringLiteral("one"));
        h.add(QStringLiteral("two"));
        h.add(QStringLiteral("two"));  // a repeat is not stored twice
        h.add(QStringLiteral("   "));
        h.add(QStringLiteral("three"));
        h.add(QStringLiteral("four"));  // the oldest falls out
        QCOMPARE(h.entries(), QStringList({QStringLiteral("two"), QStringLiteral("three"), QStringLiteral("four")}));
        QCOMPARE(*h.previous(QStringLiteral("half-typed")), QStringLiteral("four"));
        QCOMPARE(*h.previous(QStringLiteral("ignored")), QStringLiteral("three"));
        QCOMPARE(*h.previous(QString()), QStringLiteral("two"));
        QVERIFY(!h.previous(QString()));
        QCOMPARE(*h.next(), QStringLiteral("three"));
        QCOMPARE(*h.next(), QStringLiteral("four"));
        QCOMPARE(*h.next(), QStringLiteral("half-typed"));  // back to the draft
        QVERIFY(!h.next());
    }

    void guessesModalitiesFromExtensions() {
        QCOMPARE(modalityForFile(QStringLiteral("/x/Photo.JPG")), std::optional<Modality>(Modality::Image));
        QCOMPARE(modalityForFile(QStringLiteral("a.webp")), std::optional<Modality>(Modality::Image));
        QCOMPARE(modalityForFile(QStringLiteral("bark.wav")), std::optional<Modality>(Modality::Audio));
        QCOMPARE(modalityForFile(QStringLiteral("song.flac")), std::optional<Modality>(Modality::Audio));
        QCOMPARE(modalityForFile(QStringLiteral("clip.mkv")), std::optional<Modality>(Modality::Video));
        QCOMPARE(modalityForFile(QStringLiteral("plane.ply")), std::optional<Modality>(Modality::Point));
        QCOMPARE(modalityForFile(QStringLiteral("scan.pcd")), std::optional<Modality>(Modality::Point));
        QCOMPARE(modalityForFile(QStringLiteral("motion.csv")), std::optional<Modality>(Modality::Imu));
        QCOMPARE(modalityForFile(QStringLiteral("report.docx")), std::nullopt);
        QCOMPARE(modalityForFile(QStringLiteral("README")), std::nullopt);
        // A .npy of one vector is an embedding (an image's, by default); of [N, 3], a cloud.
        auto npy = [&](const QString& name, const QByteArray& shape) {
            QByteArray header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
            while ((10 + header.size() + 1) % 64) header.append(' ');
            header.append('\n');
            QByteArray bytes("\x93NUMPY\x01\x00", 8);
            bytes.append(char(header.size() & 0xff)).append(char(header.size() >> 8)).append(header);
            writeFile(path(name), bytes);
            return path(name);
        };
        QCOMPARE(modalityForFile(npy(QStringLiteral("e1.npy"), "(1024,)")), std::optional<Modality>(Modality::Image));
        QCOMPARE(modalityForFile(npy(QStringLiteral("e2.npy"), "(1, 1024)")), std::optional<Modality>(Modality::Image));
        QCOMPARE(modalityForFile(npy(QStringLiteral("cloud.npy"), "(8192, 3)")), std::optional<Modality>(Modality::Point));
        QCOMPARE(modalityForFile(path(QStringLiteral("absent.npy"))), std::optional<Modality>(Modality::Point));
        QVERIFY(mayBeEmbedding(QStringLiteral("e.NPY")));
        QVERIFY(!mayBeEmbedding(QStringLiteral("e.png")));
    }
};

QTEST_GUILESS_MAIN(TestDesktopSettings)
#include "test_desktop_settings.moc"
