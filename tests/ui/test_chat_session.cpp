// The chat session on its own, without a window, on the demo model: a question saved and
// its answer streamed and saved, the history the next question carries, stopping, regenerate,
// edit and resend, a failed load, and a restart that reads the conversation back.
#include <QCoreApplication>
#include <QDir>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "app/chat_session.h"
#include "app/engine_thread.h"
#include "app/engine_worker.h"

using namespace ibllm;
using namespace ibllm::app;

class TestChatSession : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::unique_ptr<ConversationStore> store_;
    std::unique_ptr<EngineThread> engine_;
    std::unique_ptr<ChatSession> session_;

    QString path(const QString& p) const { return dir_.filePath(p); }

    static AnswerSettings greedy(int maxTokens) {
        AnswerSettings s;
        s.sampling.temperature = 0.0;
        s.sampling.max_tokens = maxTokens;
        s.sampling.seed = 7;
        return s;
    }

    struct Outcome {
        QString streamed;
        int pieces = 0;
        std::optional<StoredMessage> answer;
        QString failure;
        QList<AskRequest> asked;
    };

    // Runs `start` (which must start an answer) and collects what the session reports.
    Outcome run(const std::function<QString()>& start, const std::function<void()>& onFirstPiece = {}) {
        Outcome o;
        QList<QMetaObject::Connection> c;
        c << connect(session_.get(), &ChatSession::pieceArrived, this, [&](const QString& t) {
            if (o.pieces++ == 0 && onFirstPiece) onFirstPiece();
            o.streamed += t;
        });
        c << connect(session_.get(), &ChatSession::answerFinished, this, [&](const StoredMessage& a) { o.answer = a; });
        c << connect(session_.get(), &ChatSession::answerFailed, this, [&](const QString& m) { o.failure = m; });
        c << connect(session_.get(), &ChatSession::askRequested, this,
                     [&](quint64, const AskRequest& r) { o.asked.append(r); });
        const QString why = start();
        [&] {
            QVERIFY2(why.isEmpty(), qPrintable(why));
            QVERIFY(session_->isGenerating());
            QTRY_VERIFY_WITH_TIMEOUT(!session_->isGenerating(), 120000);
        }();
        for (const auto& x : c) disconnect(x);
        return o;
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        store_ = std::make_unique<ConversationStore>(path(QStringLiteral("conversations.sqlite")));
        QVERIFY(store_->isOpen());
        engine_ = std::make_unique<EngineThread>();
        session_ = std::make_unique<ChatSession>(*store_, *engine_->worker());
    }

    void nothingIsAskedBeforeTheModelLoads() {
        QSignalSpy asked(session_.get(), &ChatSession::askRequested);
        const QString why = session_->ask(QStringLiteral("Hello?"), {}, greedy(4));
        QVERIFY(why.contains(QStringLiteral("not loaded")));
        QCOMPARE(asked.size(), 0);
        QCOMPARE(session_->conversation(), qint64(0));
        QVERIFY(store_->listConversations().isEmpty());  // nothing saved half
    }

    void loadsTheDemoModel() {
        QSignalSpy loading(session_.get(), &ChatSession::loadingChanged);
        QSignalSpy loaded(session_.get(), &ChatSession::modelLoaded);
        QSignalSpy progress(session_.get(), &ChatSession::loadProgress);
        session_->loadDemoModel(path(QStringLiteral("demo")), LoadOptions{});
        QVERIFY(session_->isLoading() && session_->isLoadingDemo() && !session_->isModelReady());
        QTRY_VERIFY_WITH_TIMEOUT(!session_->isLoading(), 180000);
        QCOMPARE(loaded.size(), 1);
        QVERIFY(session_->isModelReady());
        QVERIFY(session_->modelInfo().demo);
        QCOMPARE(loading.size(), 2);
        QCOMPARE(loading[0][0].toBool(), true);
        QCOMPARE(loading[1][0].toBool(), false);
        QVERIFY(!progress.isEmpty());
    }

    void streamsAndSavesTheAnswer() {
        QSignalSpy changed(session_.get(), &ChatSession::conversationChanged);
        QSignalSpy added(session_.get(), &ChatSession::questionAdded);
        const Outcome o = run([&] { return session_->ask(QStringLiteral("Describe this image."), {}, greedy(12)); });
        QVERIFY(o.answer);
        QVERIFY(o.pieces > 0);
        QCOMPARE(o.answer->text, o.streamed);  // the pieces make the answer
        QCOMPARE(o.asked.size(), 1);
        QCOMPARE(o.asked[0].prompt, std::string("Describe this image."));
        QVERIFY(o.asked[0].history.empty());
        QCOMPARE(o.asked[0].sampling.max_tokens, 12);

        // The conversation was created, named after the question, and holds both turns.
        const qint64 id = session_->conversation();
        QVERIFY(id > 0);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed[0][0].toLongLong(), id);
        QCOMPARE(store_->conversation(id)->title, QStringLiteral("Describe this image."));
        QCOMPARE(added.size(), 1);
        const QList<StoredMessage> m = store_->messages(id);
        QCOMPARE(m.size(), 2);
        QCOMPARE(m[0].role, Role::User);
        QCOMPARE(m[0].id, qvariant_cast<StoredMessage>(added[0][0]).id);
        QCOMPARE(m[1].role, Role::Assistant);
        QCOMPARE(m[1].text, o.answer->text);
        QCOMPARE(m[1].id, o.answer->id);
        // A piece is whole UTF-8 text, so a piece may hold more than one token.
        const int tokens = m[1].stats.value(QStringLiteral("generated_tokens")).toInt();
        QVERIFY2(tokens >= o.pieces && tokens <= 12, qPrintable(QString::number(tokens)));
        QCOMPARE(m[1].stats.value(QStringLiteral("cancelled")).toBool(), false);
    }

    void theNextQuestionCarriesTheHistory() {
        const QList<StoredMessage> before = session_->messages();
        const Outcome o = run([&] { return session_->ask(QStringLiteral("What colour is it?"), {}, greedy(8)); });
        QVERIFY(o.answer);
        QCOMPARE(o.asked.size(), 1);
        QCOMPARE(o.asked[0].history.size(), size_t(1));
        QCOMPARE(QString::fromStdString(o.asked[0].history[0].instruction), before[0].text);
        QCOMPARE(QString::fromStdString(o.asked[0].history[0].answer), before[1].text);
        QCOMPARE(session_->messages().size(), 4);
    }

    void aSecondAskWaitsForTheFirst() {
        QString second;
        const Outcome o = run([&] {
            const QString why = session_->ask(QStringLiteral("One."), {}, greedy(6));
            second = session_->ask(QStringLiteral("Two."), {}, greedy(6));
            return why;
        });
        QVERIFY(o.answer);
        QVERIFY(second.contains(QStringLiteral("still being written")));
        QCOMPARE(o.asked.size(), 1);
        QCOMPARE(session_->messages().size(), 6);
    }

    void stopEndsTheAnswerAndKeepsWhatCame() {
        const int before = int(session_->messages().size());
        AnswerSettings s = greedy(1500);
        s.sampling.temperature = 0.8;
        const Outcome o = run([&] { return session_->ask(QStringLiteral("Tell me a long story."), {}, s); },
                              [&] { session_->stop(); });
        QVERIFY(o.answer);
        QVERIFY(o.answer->stats.value(QStringLiteral("cancelled")).toBool());
        QVERIFY(o.answer->stats.value(QStringLiteral("generated_tokens")).toInt() < 1500);
        QCOMPARE(o.answer->text, o.streamed);
        const QList<StoredMessage> m = session_->messages();
        QCOMPARE(int(m.size()), before + 2);
        QCOMPARE(m.last().text, o.streamed);
    }

    void regenerateReplacesTheLastAnswer() {
        const QList<StoredMessage> before = session_->messages();
        const StoredMessage question = before[before.size() - 2];
        AnswerSettings s = greedy(10);
        s.sampling.temperature = 0.9;
        s.sampling.seed = 11;
        const Outcome o = run([&] { return session_->regenerate(question.id, s); });
        QVERIFY(o.answer);
        QCOMPARE(o.asked.size(), 1);
        QCOMPARE(QString::fromStdString(o.asked[0].prompt), question.text);
        QCOMPARE(o.asked[0].history.size(), size_t(before.size() - 2) / 2);
        const QList<StoredMessage> after = session_->messages();
        QCOMPARE(after.size(), before.size());  // replaced, not added
        QCOMPARE(after[after.size() - 2].id, question.id);
        QVERIFY(after.last().id != before.last().id);
        QCOMPARE(after.last().text, o.answer->text);
        // A question that is not in the conversation is refused with a sentence.
        QVERIFY(!session_->regenerate(question.id + 1000, s).isEmpty());
    }

    void resendReplacesTheQuestionAndWhatFollows() {
        const QList<StoredMessage> before = session_->messages();
        const StoredMessage second = before[2];  // "What colour is it?"
        const Outcome o = run([&] { return session_->resend(second.id, QStringLiteral("What shape is it?"), greedy(8)); });
        QVERIFY(o.answer);
        QCOMPARE(o.asked.size(), 1);
        QCOMPARE(o.asked[0].prompt, std::string("What shape is it?"));
        QCOMPARE(o.asked[0].history.size(), size_t(1));  // only the turn before the edited one
        const QList<StoredMessage> after = session_->messages();
        QCOMPARE(after.size(), 4);
        QCOMPARE(after[0].id, before[0].id);
        QCOMPARE(after[2].text, QStringLiteral("What shape is it?"));
        QCOMPARE(after[3].text, o.answer->text);
    }

    void attachmentsGoWithTheQuestionAndItsFollowUps() {
        session_->startNew();
        QCOMPARE(session_->conversation(), qint64(0));
        QList<AttachmentSpec> files{{Modality::Image, path(QStringLiteral("photo.png")), 0.5, QString()}};
        const Outcome o = run([&] { return session_->ask(QStringLiteral("What is this?"), files, greedy(4)); });
        QCOMPARE(o.asked.size(), 1);
        QCOMPARE(o.asked[0].attachments.size(), size_t(1));
        QCOMPARE(o.asked[0].attachments[0].weight, 0.5);
        QCOMPARE(session_->messages()[0].attachments.size(), 1);
        // The photo does not exist: the answer fails with a sentence that names it, and only
        // the question is kept.
        QVERIFY2(o.failure.contains(QStringLiteral("photo.png")), qPrintable(o.failure));
        QVERIFY(!o.answer);
        QCOMPARE(session_->messages().size(), 1);
        const Outcome follow = run([&] { return session_->ask(QStringLiteral("And its colour?"), {}, greedy(4)); });
        QCOMPARE(follow.asked[0].attachments.size(), size_t(1));  // still about that photo
    }

    void aFailedLoadKeepsTheModel() {
        QSignalSpy failed(session_.get(), &ChatSession::loadFailed);
        ModelPaths missing;
        missing.llama_dir = path(QStringLiteral("no-such-llama")).toStdString();
        missing.tokenizer = path(QStringLiteral("no-such-tokenizer.model")).toStdString();
        missing.adapter = path(QStringLiteral("no-such-7B.pth")).toStdString();
        session_->loadModel(missing, LoadOptions{});
        QTRY_VERIFY_WITH_TIMEOUT(failed.size() == 1, 60000);
        QCOMPARE(failed[0][1].toBool(), false);
        QVERIFY2(failed[0][0].toString().contains(QStringLiteral("no-such")), qPrintable(failed[0][0].toString()));
        QVERIFY(session_->isModelReady());  // the demo model is still there
        session_->startNew();  // (the conversation before asks about a photo that is missing)
        const Outcome o = run([&] { return session_->ask(QStringLiteral("Still there?"), {}, greedy(4)); });
        QVERIFY(o.answer);
    }

    // The system prompt: the first turn's context, saved with its conversation, its own in each.
    void theSystemPromptStaysWithItsConversation() {
        const qint64 before = session_->conversation();
        QVERIFY(before != 0);
        QSignalSpy changed(session_.get(), &ChatSession::systemPromptChanged);
        session_->startNew();
        session_->setSystemPrompt(QStringLiteral("Answer briefly."));
        QCOMPARE(changed.size(), 1);
        const Outcome first = run([&] { return session_->ask(QStringLiteral("What is red?"), {}, greedy(3)); });
        QCOMPARE(first.asked.size(), 1);
        QCOMPARE(first.asked[0].input, std::string("Answer briefly."));
        const qint64 id = session_->conversation();
        QCOMPARE(store_->systemPrompt(id), QStringLiteral("Answer briefly."));
        const Outcome second = run([&] { return session_->ask(QStringLiteral("And blue?"), {}, greedy(3)); });
        QCOMPARE(second.asked[0].history.size(), size_t(1));
        QCOMPARE(second.asked[0].history[0].input, std::string("Answer briefly."));
        QVERIFY(second.asked[0].input.empty());

        QVERIFY(session_->open(before));
        QCOMPARE(session_->systemPrompt(), QString());
        QCOMPARE(changed.last()[0].toString(), QString());
        QVERIFY(session_->open(id));
        QCOMPARE(session_->systemPrompt(), QStringLiteral("Answer briefly."));
        session_->setSystemPrompt(QStringLiteral("Answer in English."));
        QCOMPARE(store_->systemPrompt(id), QStringLiteral("Answer in English."));
        QCOMPARE(store_->systemPrompt(before), QString());
    }

    void aRestartReadsTheConversationBack() {
        session_->open(store_->listConversations().last().id);
        const qint64 id = session_->conversation();
        const QList<StoredMessage> before = session_->messages();
        QCOMPARE(before.size(), 4);
        session_.reset();
        store_.reset();

        // A new program: a new store on the same file, a new session, no model yet.
        store_ = std::make_unique<ConversationStore>(path(QStringLiteral("conversations.sqlite")));
        session_ = std::make_unique<ChatSession>(*store_, *engine_->worker());
        QVERIFY(!session_->hasModel());
        QCOMPARE(session_->conversation(), qint64(0));
        QVERIFY(session_->open(id));
        const QList<StoredMessage> after = session_->messages();
        QCOMPARE(after.size(), before.size());
        for (int i = 0; i < after.size(); ++i) {
            QCOMPARE(after[i].id, before[i].id);
            QCOMPARE(after[i].role, before[i].role);
            QCOMPARE(after[i].text, before[i].text);
        }
        QVERIFY(!session_->open(id + 1000));
        QCOMPARE(session_->conversation(), id);
    }
};

QTEST_GUILESS_MAIN(TestChatSession)
#include "test_chat_session.moc"
