// End to end through the command-line program, as other tools call it: `ask --ids`
// against the golden greedy generations, `tokenize`, `inspect`, `make-demo`, and exit
// code 2 with one line on stderr for bad input.
#include <ATen/ATen.h>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <fstream>

#include "app/conversation_store.h"
#include "cli_run.h"
#include "golden.h"

using namespace ibllm;
using namespace ibllm::test;

namespace {

using Run = ibllm::test::CliRun;
using ibllm::test::run_cli;

// A .npy written byte by byte here, independently of the engine's own writer.
void write_npy_f32(const QString& path, const at::Tensor& t) {
    at::Tensor c = t.to(at::kFloat).contiguous();
    std::string shape = "(";
    for (int64_t d : c.sizes()) shape += std::to_string(d) + ", ";
    if (c.dim() > 1) shape.resize(shape.size() - 2);
    shape += ")";
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::ofstream out(path.toStdString(), std::ios::binary);
    out.write("\x93NUMPY\x01\x00", 8);
    const uint16_t len = static_cast<uint16_t>(header.size());
    out.put(static_cast<char>(len & 0xff));
    out.put(static_cast<char>(len >> 8));
    out << header;
    out.write(reinterpret_cast<const char*>(c.data_ptr<float>()), c.numel() * 4);
}

QString ids_line(const QString& out) {
    for (const QString& line : out.split('\n'))
        if (line.startsWith("ids: ")) return line;
    return {};
}

QString expected_ids_line(const nlohmann::json& ids) {
    QStringList parts;
    for (const auto& v : ids) parts << QString::number(v.get<int>());
    return "ids: [" + parts.join(", ") + "]";
}

}  // namespace

class TestCli : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    nlohmann::json json_;
    QString image_npy_, audio_npy_;

    QStringList model_args() const {
        return {"--llama", QString::fromStdString(fixture("")), "--tokenizer", QString::fromStdString(fixture("tokenizer.model")),
                "--adapter", QString::fromStdString(fixture("adapter.pth"))};
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        json_ = load_json(fixture("golden.json"));
        TensorStore golden = TensorStore::from_pth(fixture("golden.pth"));
        image_npy_ = tmp_.filePath("image.npy");
        audio_npy_ = tmp_.filePath("audio.npy");
        write_npy_f32(image_npy_, golden.get("visual.inputs.image"));            // [1, D]
        write_npy_f32(audio_npy_, golden.get("visual.inputs.audio").reshape({-1}));  // [D]
    }

    void askIdsMatchGoldenGreedy_data() {
        QTest::addColumn<QString>("name");
        QTest::newRow("noknn") << "noknn";
        QTest::newRow("knn") << "knn";
    }

    void askIdsMatchGoldenGreedy() {
        QFETCH(QString, name);
        const auto& g = json_["generate"][name.toStdString()];
        QStringList args = QStringList{"ask"} + model_args();
        if (g["knn"].get<bool>())
            args << "--cache" << QString::fromStdString(fixture("knn.index")) << "--cache-size" << "10" << "--cache-t" << "20"
                 << "--cache-weight" << "0.5";
        args << "--embedding" << "image=" + image_npy_ << "--embedding" << "audio=" + audio_npy_ << "--weight" << "audio=0.5"
             << "--temperature" << "0" << "--max-tokens" << QString::number(g["max_gen_len"].get<int>()) << "--precision"
             << "fp32" << "--ids" << QString::fromStdString(json_["inference"]["instruction"].get<std::string>());
        const Run r = run_cli(args);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(ids_line(r.out), expected_ids_line(g["generated_ids"]));
        QVERIFY(r.out.startsWith(QString::fromStdString(g["text"].get<std::string>())));
    }

    void tokenizePrintsIds() {
        const auto& c = json_["tokenizer"]["cases"][0];
        const Run r = run_cli({"tokenize", "--tokenizer", QString::fromStdString(fixture("tokenizer.model")), "--bos",
                               QString::fromStdString(c["text"].get<std::string>())});
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out.trimmed(), expected_ids_line(c["ids"]).mid(5));
        const Run eos = run_cli({"tokenize", "--tokenizer", QString::fromStdString(fixture("tokenizer.model")), "--eos", "Hello"});
        QCOMPARE(eos.code, 0);
        QVERIFY(eos.out.trimmed().endsWith(", 2]"));
        QVERIFY(!eos.out.startsWith("[1,"));
    }

    void inspectListsTensorsAndEntries() {
        const Run r = run_cli({"inspect", QString::fromStdString(fixture("adapter.pth"))});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains(QRegularExpression("model\\.prefix_query\\.weight\\s+float32\\s+\\[2, 64\\]")), qPrintable(r.out.left(400)));
        QVERIFY(r.out.contains("config."));
        const Run base = run_cli({"inspect", QString::fromStdString(fixture("consolidated.00.pth"))});
        QCOMPARE(base.code, 0);
        QVERIFY(base.out.contains(QRegularExpression("tok_embeddings\\.weight\\s+float16\\s+\\[32000, 64\\]")));
    }

    void makeDemoThenAsk() {
        const QString dir = tmp_.filePath("demo");
        const Run made = run_cli({"make-demo", dir});
        QVERIFY2(made.code == 0, qPrintable(made.err));
        for (const char* f : {"params.json", "consolidated.00.pth", "tokenizer.model", "adapter.pth", "knn.index", "DEMO_MODEL.txt"})
            QVERIFY2(QFile::exists(dir + "/" + f), f);
        const Run inspect = run_cli({"inspect", dir + "/consolidated.00.pth"});
        QVERIFY(inspect.out.contains(QRegularExpression("layers\\.3\\.attention\\.wq\\.weight\\s+float16\\s+\\[128, 128\\]")));
        const Run r = run_cli({"ask", "--llama", dir, "--tokenizer", dir + "/tokenizer.model", "--adapter", dir + "/adapter.pth",
                               "--cache", dir + "/knn.index", "--embedding", "image=" + dir + "/demo_image_embedding.npy",
                               "--max-tokens", "12", "--seed", "7", "--ids", "What is this?"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.err.contains("DEMO"));
        QVERIFY(!ids_line(r.out).isEmpty());
        // Seeded sampling is reproducible.
        const Run again = run_cli({"ask", "--llama", dir, "--tokenizer", dir + "/tokenizer.model", "--adapter", dir + "/adapter.pth",
                                   "--cache", dir + "/knn.index", "--embedding", "image=" + dir + "/demo_image_embedding.npy",
                                   "--max-tokens", "12", "--seed", "7", "--ids", "What is this?"});
        QCOMPARE(ids_line(again.out), ids_line(r.out));
    }

    // chat: questions on standard input through the desktop's chat session, saved with the
    // app's conversations, and continued later with the history.
    void chatKeepsTheConversation() {
        const QString dir = tmp_.filePath("demo");  // made by makeDemoThenAsk
        const QString db = tmp_.filePath("chats.sqlite");
        const QStringList model = {"--model", dir, "--conversations", db, "--temperature", "0", "--max-tokens", "6"};
        const Run r = run_cli(QStringList{"chat"} + model, 300000,
                              "Describe this image.\n/attach image " + (dir + "/demo_image_embedding.npy").toUtf8() +
                                  "\nWhat colour is it?\n/regenerate\n/attach nothing.png\n/frobnicate\n");
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.err.contains("DEMO"));
        QVERIFY(r.err.contains("nothing.png is not a file"));
        QVERIFY(r.err.contains("Unknown command /frobnicate"));
        QVERIFY(!r.out.trimmed().isEmpty());
        qint64 id = 0;
        {
            app::ConversationStore store(db);
            const QList<app::ConversationSummary> chats = store.listConversations();
            QCOMPARE(chats.size(), 1);
            id = chats[0].id;
            QCOMPARE(chats[0].title, QStringLiteral("Describe this image."));
            const QList<app::StoredMessage> m = store.messages(id);
            QCOMPARE(m.size(), 4);  // the regenerated answer replaced the second one
            QCOMPARE(m[2].text, QStringLiteral("What colour is it?"));
            QCOMPARE(m[2].attachments.size(), 1);
            QCOMPARE(m[2].attachments[0].modality, Modality::Image);
            QCOMPARE(m[3].role, app::Role::Assistant);
            QVERIFY(r.err.contains(QStringLiteral("saved as conversation %1").arg(id)));
        }
        // Continued: the new turn is answered with the earlier ones as its history, so its
        // prompt is longer than the first question's was.
        const Run more = run_cli(QStringList{"chat"} + model + QStringList{"--continue", QString::number(id)}, 300000,
                                 "And its shape?\n");
        QVERIFY2(more.code == 0, qPrintable(more.err));
        app::ConversationStore store(db);
        const QList<app::StoredMessage> m = store.messages(id);
        QCOMPARE(m.size(), 6);
        QVERIFY(m[5].stats.value("prompt_tokens").toInt() > m[1].stats.value("prompt_tokens").toInt() + 10);
        // A conversation that is not there is one line and exit code 2.
        const Run missing = run_cli(QStringList{"chat"} + model + QStringList{"--continue", "424242"}, 300000, "Hi\n");
        QCOMPARE(missing.code, 2);
        QVERIFY(missing.err.contains("no conversation 424242"));
    }

    void badInputExitsWithCode2_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mention");
        const QString tok = QString::fromStdString(fixture("tokenizer.model"));
        QStringList base = QStringList{"ask"} + model_args();
        QTest::newRow("missing adapter") << (QStringList{"ask", "--llama", QString::fromStdString(fixture("")), "--tokenizer", tok,
                                                         "--adapter", "/nonexistent/7B.pth", "hi"})
                                         << "7B.pth";
        QTest::newRow("unknown option") << (base + QStringList{"--bogus", "1", "hi"}) << "--bogus";
        QTest::newRow("no prompt") << base << "PROMPT";
        QTest::newRow("bad embedding") << (base + QStringList{"--embedding", "image=" + QString::fromStdString(fixture("params.json")), "hi"})
                                       << "params.json";
        QTest::newRow("image without imagebind") << (base + QStringList{"--image", "/tmp/dog.jpg", "hi"}) << "dog.jpg";
        QTest::newRow("bad precision") << (base + QStringList{"--precision", "fp16", "hi"}) << "fp16";
        QTest::newRow("inspect not a checkpoint") << QStringList{"inspect", QString::fromStdString(fixture("params.json"))}
                                                  << "params.json";
        QTest::newRow("tokenizer garbage") << QStringList{"tokenize", "--tokenizer", QString::fromStdString(fixture("params.json")), "x"}
                                           << "params.json";
    }

    void badInputExitsWithCode2() {
        QFETCH(QStringList, args);
        QFETCH(QString, mention);
        const Run r = run_cli(args);
        QCOMPARE(r.code, 2);
        const QString err = r.err.trimmed();
        QVERIFY2(!err.contains('\n'), qPrintable("more than one line: " + err));
        QVERIFY2(err.contains(mention), qPrintable(err));
    }

    // --model DIR: a whole-model folder and the release layout, found by name; flags override.
    void modelFolders() {
        QTemporaryDir dir;
        const QString flat = dir.path() + "/flat", rel = dir.path() + "/release";
        QDir().mkpath(flat);
        QDir().mkpath(rel + "/7B");
        for (const char* f : {"params.json", "consolidated.00.pth", "tokenizer.model", "adapter.pth", "knn.index"})
            QVERIFY(QFile::link(QString::fromStdString(fixture(f)), flat + "/" + f));
        for (const char* f : {"params.json", "consolidated.00.pth"})
            QVERIFY(QFile::link(QString::fromStdString(fixture(f)), rel + "/7B/" + f));
        QVERIFY(QFile::link(QString::fromStdString(fixture("tokenizer.model")), rel + "/tokenizer.model"));
        QVERIFY(QFile::link(QString::fromStdString(fixture("adapter.pth")), rel + "/7B.pth"));
        const QString embedding = dir.path() + "/image.npy";
        write_npy_f32(embedding, TensorStore::from_pth(fixture("golden.pth")).get("visual.inputs.image"));
        const QStringList question = {"--embedding", "image=" + embedding, "--temperature", "0", "--max-tokens", "6", "--precision",
                                      "fp32", "--ids", "--no-cache", "Describe this image."};
        const Run explicit_flags = run_cli(QStringList{"ask", "--llama", QString::fromStdString(data_path("llama_adapter")), "--tokenizer",
                                                       QString::fromStdString(fixture("tokenizer.model")), "--adapter",
                                                       QString::fromStdString(fixture("adapter.pth"))} << question);
        QVERIFY2(explicit_flags.code == 0, qPrintable(explicit_flags.err));
        for (const QString& folder : {flat, rel}) {
            const Run r = run_cli(QStringList{"ask", "--model", folder} << question);
            QVERIFY2(r.code == 0, qPrintable(r.err));
            QCOMPARE(ids_line(r.out), ids_line(explicit_flags.out));
        }
        // An explicit flag wins over the folder's file.
        const Run overridden = run_cli(QStringList{"ask", "--model", flat, "--tokenizer", dir.path() + "/missing.model"} << question);
        QCOMPARE(overridden.code, 2);
        QVERIFY2(overridden.err.contains("missing.model"), qPrintable(overridden.err));
        // A folder that is not a model says so.
        const Run none = run_cli(QStringList{"ask", "--model", dir.path()} << question);
        QCOMPARE(none.code, 2);
        QVERIFY2(none.err.contains("is not a model folder"), qPrintable(none.err));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
