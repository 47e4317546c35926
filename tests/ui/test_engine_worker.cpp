// The engine worker on its own thread, on the demo model: loading with progress, streamed
// answers whose pieces make up the answer, cancelling (also before a request starts), errors
// as messages, precomputed .npy embeddings, and a failed load keeping the previous model.
#include <QCoreApplication>
#include <QDir>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "app/engine_thread.h"
#include "app/engine_worker.h"

using namespace ibllm;
using namespace ibllm::app;

class TestEngineWorker : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::unique_ptr<EngineThread> engine_;
    quint64 nextId_ = 0;

    EngineWorker* worker() const { return engine_->worker(); }
    QString demoDir() const { return dir_.filePath(QStringLiteral("demo")); }

    static AskRequest question(const std::string& prompt, int maxTokens, double temperature = 0.0) {
        AskRequest r;
        r.prompt = prompt;
        r.sampling.temperature = temperature;
        r.sampling.max_tokens = maxTokens;
        r.sampling.seed = 7;
        return r;
    }

    struct Outcome {
        QString streamed;
        int pieces = 0;
        bool finished = false, failed = false;
        AskStats stats;
        QString error;
    };

    // Asks on the worker thread (queued, like the UI) and collects what comes back.
    Outcome askAndWait(const AskRequest& request, std::function<void(quint64)> onFirstPiece = {}) {
        const quint64 id = ++nextId_;
        Outcome o;
        QMetaObject::Connection a = connect(worker(), &EngineWorker::token, this, [&](quint64 rid, const QString& t) {
            if (rid != id) return;
            if (o.pieces++ == 0 && onFirstPiece) onFirstPiece(id);
            o.streamed += t;
        });
        QMetaObject::Connection b = connect(worker(), &EngineWorker::finished, this, [&](quint64 rid, const AskStats& s) {
            if (rid != id) return;
            o.finished = true;
            o.stats = s;
        });
        QMetaObject::Connection c = connect(worker(), &EngineWorker::failed, this, [&](quint64 rid, const QString& m) {
            if (rid != id) return;
            o.failed = true;
            o.error = m;
        });
        QMetaObject::invokeMethod(worker(), "ask", Qt::QueuedConnection, Q_ARG(quint64, id), Q_ARG(ibllm::AskRequest, request));
        [&] { QTRY_VERIFY_WITH_TIMEOUT(o.finished || o.failed, 120000); }();
        disconnect(a);
        disconnect(b);
        disconnect(c);
        return o;
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        engine_ = std::make_unique<EngineThread>();
    }

    void loadsTheDemoModelWithProgress() {
        QSignalSpy progress(worker(), &EngineWorker::progress);
        QSignalSpy loaded(worker(), &EngineWorker::loaded);
        QSignalSpy failed(worker(), &EngineWorker::loadFailed);
        QMetaObject::invokeMethod(worker(), "loadDemoModel", Qt::QueuedConnection, Q_ARG(QString, demoDir()),
                                  Q_ARG(ibllm::LoadOptions, LoadOptions{}));
        QTRY_VERIFY_WITH_TIMEOUT(loaded.size() + failed.size() == 1, 180000);
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
        const ModelInfo info = qvariant_cast<ModelInfo>(loaded.first().first());
        QVERIFY(info.demo);
        QCOMPARE(info.dim, int64_t(128));
        QCOMPARE(info.visual_dim, int64_t(1024));
        QVERIFY(info.has_cache);
        // The demo is written first (0..0.2), then loaded; fractions never go back.
        QVERIFY(progress.size() >= 3);
        double last = -1;
        for (const QList<QVariant>& p : progress) {
            const double f = p.at(1).toDouble();
            QVERIFY(f >= last && f >= 0.0 && f <= 1.0);
            QVERIFY(!p.at(0).toString().isEmpty());
            last = f;
        }
        QCOMPARE(last, 1.0);
        QVERIFY(QFileInfo::exists(QDir(demoDir()).filePath(QStringLiteral("DEMO_MODEL.txt"))));
    }

    void streamsPiecesThatMakeTheAnswer() {
        const Outcome o = askAndWait(question("Describe this image.", 24));
        QVERIFY2(o.finished, qPrintable(o.error));
        QVERIFY(o.pieces > 0);
        QCOMPARE(o.streamed, QString::fromStdString(o.stats.text));
        QVERIFY(o.stats.generated_tokens > 0 && o.stats.generated_tokens <= 24);
        QVERIFY(o.stats.prompt_tokens > 10);
        QVERIFY(!o.stats.cancelled);
        // Greedy decoding is deterministic: the same question gives the same answer.
        const Outcome again = askAndWait(question("Describe this image.", 24));
        QCOMPARE(again.streamed, o.streamed);
    }

    void cancelStopsTheAnswerWithinATokenOrTwo() {
        int piecesAtCancel = 0;
        Outcome o = askAndWait(question("Describe this image.", 1500, 0.8), [&](quint64 id) {
            worker()->cancel(id);  // from this (the UI) thread, while the worker generates
            piecesAtCancel = 1;
        });
        QVERIFY2(o.finished, qPrintable(o.error));
        QVERIFY(o.stats.cancelled);
        QVERIFY(piecesAtCancel == 1);
        // The worker ran ahead while the first piece crossed threads, but stopped long before 1500.
        QVERIFY2(o.stats.generated_tokens < 1500, qPrintable(QString::number(o.stats.generated_tokens)));
        QCOMPARE(o.streamed, QString::fromStdString(o.stats.text));
    }

    // The window and the server share the worker: cancelling one request never stops another.
    void cancellingAnotherRequestLeavesThisOne() {
        const Outcome o = askAndWait(question("Describe this image.", 40), [&](quint64 id) { worker()->cancel(id + 1); });
        QVERIFY2(o.finished, qPrintable(o.error));
        QVERIFY(!o.stats.cancelled);
        QVERIFY(o.stats.generated_tokens == 40 || o.stats.stopped_on_eos);
        // That later id is cancelled when it comes.
        const Outcome next = askAndWait(question("Describe this image.", 40));
        QVERIFY(next.finished && next.stats.cancelled && next.pieces == 0);
    }

    // An embedding request ends as the server needs it: cancelled before it starts, a failure
    // saying so (not an internal error); without ImageBind, one sentence naming the checkpoint.
    void embedRequestsEndWithOneSentence() {
        QSignalSpy failed(worker(), &EngineWorker::failed);
        const quint64 cancelledId = ++nextId_;
        worker()->cancel(cancelledId);
        const std::vector<EmbedInput> text{EmbedInput{Modality::Text, "a red cube", ""}};
        QMetaObject::invokeMethod(worker(), [w = worker(), cancelledId, text] { w->embed(cancelledId, text); },
                                  Qt::QueuedConnection);
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 60000);
        QCOMPARE(failed[0][0].toULongLong(), cancelledId);
        QCOMPARE(failed[0][1].toString(), QStringLiteral("The request was cancelled."));
        const quint64 id = ++nextId_;
        QMetaObject::invokeMethod(worker(), [w = worker(), id, text] { w->embed(id, text); }, Qt::QueuedConnection);
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 2, 60000);
        QVERIFY2(failed[1][1].toString().contains(QStringLiteral("ImageBind")), qPrintable(failed[1][1].toString()));
    }

    void cancelBeforeTheRequestStarts() {
        const quint64 id = nextId_ + 1;
        worker()->cancel(id);
        const Outcome o = askAndWait(question("Describe this image.", 200));
        QVERIFY(o.finished);
        QVERIFY(o.stats.cancelled);
        QCOMPARE(o.pieces, 0);
        // The next request is not affected by the earlier cancel.
        const Outcome next = askAndWait(question("Describe this image.", 8));
        QVERIFY(next.finished && !next.stats.cancelled && next.pieces > 0);
    }

    void aFileWithoutEncoderIsAMessage() {
        AskRequest r = question("What is in the picture?", 8);
        Attachment a;
        a.modality = Modality::Image;
        a.path = "/nowhere/photo.png";
        r.attachments.push_back(a);
        const Outcome o = askAndWait(r);
        QVERIFY(o.failed);
        QVERIFY2(o.error.contains(QStringLiteral("photo.png")), qPrintable(o.error));
    }

    void aPrecomputedEmbeddingChangesTheAnswer() {
        const AskRequest plain = question("Describe this image.", 16);
        AskRequest withImage = plain;
        Attachment a;
        a.modality = Modality::Image;
        a.path = QDir(demoDir()).filePath(QStringLiteral("demo_image_embedding.npy")).toStdString();
        withImage.attachments.push_back(a);
        withImage.cache.enabled = false;
        const Outcome without = askAndWait(plain);
        const Outcome with = askAndWait(withImage);
        QVERIFY2(with.finished, qPrintable(with.error));
        QVERIFY(with.stats.encode_ms >= 0);
        // The visual token is injected into every layer: the answer must change.
        QVERIFY(with.streamed != without.streamed);
    }

    void aFailedLoadKeepsThePreviousModel() {
        QSignalSpy failed(worker(), &EngineWorker::loadFailed);
        ModelPaths bad = EngineWorker::demoModelPaths(demoDir());
        bad.adapter = dir_.filePath(QStringLiteral("missing-adapter.pth")).toStdString();
        QMetaObject::invokeMethod(worker(), "loadModels", Qt::QueuedConnection, Q_ARG(ibllm::ModelPaths, bad),
                                  Q_ARG(ibllm::LoadOptions, LoadOptions{}));
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 60000);
        QVERIFY(failed.first().at(0).toString().contains(QStringLiteral("missing-adapter.pth")));
        QCOMPARE(failed.first().at(1).toBool(), false);
        const Outcome o = askAndWait(question("Describe this image.", 4));
        QVERIFY(o.finished && o.pieces > 0);
    }

    void cancelledLoadReportsCancelled() {
        QSignalSpy failed(worker(), &EngineWorker::loadFailed);
        QSignalSpy loaded(worker(), &EngineWorker::loaded);
        worker()->cancelLoading();
        QMetaObject::invokeMethod(worker(), "loadDemoModel", Qt::QueuedConnection, Q_ARG(QString, demoDir()),
                                  Q_ARG(ibllm::LoadOptions, LoadOptions{}));
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 60000);
        QCOMPARE(failed.first().at(1).toBool(), true);
        QVERIFY(loaded.isEmpty());
        // The request was used up: the next load goes through.
        QMetaObject::invokeMethod(worker(), "loadDemoModel", Qt::QueuedConnection, Q_ARG(QString, demoDir()),
                                  Q_ARG(ibllm::LoadOptions, LoadOptions{}));
        QTRY_COMPARE_WITH_TIMEOUT(loaded.size(), 1, 60000);
    }

    void historyIsPartOfThePrompt() {
        const Outcome first = askAndWait(question("Describe this image.", 8));
        AskRequest follow = question("And the sound?", 8);
        follow.history.push_back(ChatTurn{"Describe this image.", "", first.stats.text});
        const Outcome second = askAndWait(follow);
        QVERIFY(second.finished);
        QVERIFY(second.stats.prompt_tokens > first.stats.prompt_tokens + first.stats.generated_tokens);
    }

    // A OneLLM folder loads like any model; its files are encoded by OneLLM (an fMRI scan
    // answered with the reference's greedy ids), and what it cannot read is one sentence.
    void aOnellmFolderLoadsAndAnswers() {
        QSignalSpy loaded(worker(), &EngineWorker::loaded);
        QSignalSpy failed(worker(), &EngineWorker::loadFailed);
        ModelPaths paths;
        paths.onellm_dir = IBLLM_TEST_DATA "/onellm";
        LoadOptions options;
        options.precision = Precision::Fp32;
        options.quant_cache = false;
        QMetaObject::invokeMethod(worker(), "loadModels", Qt::QueuedConnection, Q_ARG(ibllm::ModelPaths, paths),
                                  Q_ARG(ibllm::LoadOptions, options));
        QTRY_VERIFY_WITH_TIMEOUT(loaded.size() + failed.size() == 1, 120000);
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
        QCOMPARE(qvariant_cast<ModelInfo>(loaded.first().first()).family, std::string("OneLLM"));
        worker()->setAttachmentEncoder(embeddingOrEncodedFile);

        AskRequest r = question("Provide a one-sentence caption for the provided fMRI data.", 16);
        Attachment scan;
        scan.modality = Modality::Fmri;
        scan.path = IBLLM_TEST_DATA "/onellm/inputs/fmri.npy";
        r.attachments.push_back(scan);
        const Outcome o = askAndWait(r);
        QVERIFY2(o.finished, qPrintable(o.error));
        // golden.json cases.fmri.generated_ids
        const std::vector<int> want = {2600, 22837, 22145, 4800, 29761, 9931, 1481, 6319,
                                       20330, 17307, 11926, 2163, 116, 6129, 9232, 31326};
        QCOMPARE(o.stats.ids, want);

        Attachment thermal = scan;
        thermal.modality = Modality::Thermal;
        thermal.path = IBLLM_TEST_DATA "/onellm/inputs/image.png";
        AskRequest t = question("What is this?", 4);
        t.attachments.push_back(thermal);
        const Outcome refused = askAndWait(t);
        QVERIFY(refused.failed);
        QVERIFY2(refused.error.contains(QStringLiteral("image.png")) && refused.error.contains(QStringLiteral("thermal")),
                 qPrintable(refused.error));

        AskRequest two = r;
        two.attachments.push_back(scan);
        const Outcome fused = askAndWait(two);
        QVERIFY(fused.failed);
        QVERIFY2(fused.error.contains(QStringLiteral("one attachment per question")), qPrintable(fused.error));
        worker()->setAttachmentEncoder(nullptr);
    }

    void cleanupTestCase() { engine_.reset(); }
};

QTEST_GUILESS_MAIN(TestEngineWorker)
#include "test_engine_worker.moc"
