// The desktop window on the demo model (offscreen): a question streams tokens into the view
// and Esc stops it; the answer is saved and a new store (and window) reads it back; dropped
// files become the right chips and an unknown type is a message; the chips' fusion weights
// reach the engine request; an attachment the engine cannot use is a message, not a crash;
// the composer's keys; edit and regenerate; the model dialog's validation messages; and the
// Chinese translation.
#include <QApplication>
#include <QDir>
#include <QDropEvent>
#include <QFile>
#include <QImage>
#include <QCheckBox>
#include <QComboBox>
#include <QPlainTextEdit>
#include <QLabel>
#include <QToolButton>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QMimeData>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QUrl>
#include <QtTest>
#include <cstring>

#include "app/engine_thread.h"
#include "app/system_prompt_presets.h"
#include "demo_window.h"
#include "http_client.h"
#include "ui/attachment_bar.h"
#include "ui/attachment_chip.h"
#include "ui/chat_view.h"
#include "ui/composer.h"
#include "ui/conversation_sidebar.h"
#include "ui/main_window.h"
#include "ui/markdown_view.h"
#include "ui/message_widget.h"
#include "ui/model_dialog.h"
#include "ui/notice_banner.h"
#include "ui/recording_control.h"
#include "ui/settings_panel.h"
#include "ui/system_prompt_editor.h"
#include "ui/ui_language.h"

using namespace ibllm;
using namespace ibllm::ui;

namespace {

// A float32 .npy of one vector: what a precomputed ImageBind embedding looks like.
void writeEmbedding(const QString& path, int dim, float seed) {
    QByteArray header = QStringLiteral("{'descr': '<f4', 'fortran_order': False, 'shape': (%1,), }").arg(dim).toLatin1();
    while ((10 + header.size() + 1) % 64) header.append(' ');
    header.append('\n');
    QByteArray bytes("\x93NUMPY\x01\x00", 8);
    const quint16 len = quint16(header.size());
    bytes.append(char(len & 0xff)).append(char(len >> 8)).append(header);
    for (int i = 0; i < dim; ++i) {
        const float v = std::sin(seed * float(i + 1));
        bytes.append(reinterpret_cast<const char*>(&v), sizeof v);
    }
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

void writeBytes(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

void dropFiles(QWidget* target, const QStringList& paths) {
    auto* mime = new QMimeData;
    QList<QUrl> urls;
    for (const QString& p : paths) urls.append(QUrl::fromLocalFile(p));
    mime->setUrls(urls);
    const QPointF pos(target->width() / 2.0, target->height() / 2.0);
    QDragEnterEvent enter(pos.toPoint(), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(pos, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &drop);
    QVERIFY(drop.isAccepted());
    delete mime;
}

}  // namespace

class TestDesktopUi : public QObject {
    Q_OBJECT

    test::DemoWindow demo_;
    MainWindow* window_ = nullptr;
    QSettings* settings_ = nullptr;
    app::ConversationStore* store_ = nullptr;
    app::EngineThread* engine_ = nullptr;

    QString path(const QString& p) const { return demo_.path(p); }
    QString demoDir() const { return demo_.demoDir(); }

    void setAnswerSettings(double temperature, int maxTokens) {
        app::AnswerSettings s = window_->settingsPanel()->answerSettings();
        s.sampling.temperature = temperature;
        s.sampling.max_tokens = maxTokens;
        window_->settingsPanel()->setAnswerSettings(s);
    }

    // Types the question and presses Enter, as a user would.
    void typeAndSend(const QString& text) {
        PromptEdit* editor = window_->composer()->editor();
        editor->setFocus();
        editor->clear();
        QTest::keyClicks(editor, text);
        QTest::keyClick(editor, Qt::Key_Return);
    }

    void waitIdle() { QTRY_VERIFY_WITH_TIMEOUT(!window_->isGenerating(), 120000); }

private Q_SLOTS:
    // A failed test must not leave an answer streaming into the next one.
    void init() {
        if (window_ && window_->isGenerating()) {
            window_->stop();
            waitIdle();
        }
    }

    void initTestCase() {
        QString why;
        QVERIFY2(demo_.open(QSize(1200, 800), {}, &why), qPrintable(why));
        window_ = demo_.window();
        settings_ = &demo_.settings();
        store_ = &demo_.store();
        engine_ = &demo_.engine();
    }

    void showsTheDemoBanner() {
        QVERIFY(window_->modelInfo().demo);
        NoticeBanner* banner = window_->modelBanner();
        QVERIFY(banner->isVisible());
        QVERIFY(banner->text().contains(QStringLiteral("random")));
        QVERIFY(banner->text().contains(QStringLiteral("7B.pth")));
    }

    void streamsTokensAndEscStopsTheAnswer() {
        // The demo model writes 1900 tokens faster than this test can look at them. A blocking
        // connection makes the worker wait, after each token, until this thread's event loop
        // has taken it (and the window's own queued copy before it): the answer then streams
        // at the pace the test watches it and is certainly still streaming when Esc comes.
        QObject pacer;
        QObject::connect(engine_->worker(), &app::EngineWorker::token, &pacer, [](quint64, const QString&) {},
                         Qt::BlockingQueuedConnection);
        setAnswerSettings(0.0, 1900);
        typeAndSend(QStringLiteral("Describe this image."));
        QVERIFY(window_->isGenerating());
        const QList<MessageWidget*> shown = window_->chatView()->messages();
        QCOMPARE(shown.size(), 2);
        QCOMPARE(shown[0]->text(), QStringLiteral("Describe this image."));
        MessageWidget* answer = shown[1];
        QCOMPARE(answer->role(), app::Role::Assistant);
        QVERIFY(window_->composer()->editor()->toPlainText().isEmpty());

        // Text arrives in the view while the answer is still being written (the first pieces
        // of random weights may be control characters, which the view leaves out).
        MarkdownView* view = answer->findChild<MarkdownView*>();
        QTRY_VERIFY_WITH_TIMEOUT(!view->toPlainText().isEmpty(), 60000);
        QVERIFY(answer->isStreaming());
        QVERIFY(answer->streamedPieces() > 0);
        QTRY_VERIFY(answer->statusText().contains(QStringLiteral("tokens/s")));
        QVERIFY(answer->isStreaming());

        QTest::keyClick(window_, Qt::Key_Escape);
        waitIdle();
        QVERIFY(!answer->isStreaming());
        QVERIFY2(answer->statusText().contains(QStringLiteral("stopped")), qPrintable(answer->statusText()));
        QVERIFY(!answer->text().isEmpty());

        // Saved as it was shown, marked as stopped, short of the 1900-token limit.
        const QList<app::StoredMessage> saved = store_->messages(window_->currentConversation());
        QCOMPARE(saved.size(), 2);
        QCOMPARE(saved[1].text, answer->text());
        QVERIFY(saved[1].stats.value(QStringLiteral("cancelled")).toBool());
        QVERIFY(saved[1].stats.value(QStringLiteral("generated_tokens")).toInt() < 1900);
        QCOMPARE(answer->messageId(), saved[1].id);
        // The conversation is named after its question.
        QCOMPARE(store_->conversation(window_->currentConversation())->title, QStringLiteral("Describe this image."));
    }

    void aConversationSurvivesARestart() {
        setAnswerSettings(0.0, 12);
        typeAndSend(QStringLiteral("And what sound does it make?"));
        waitIdle();
        const qint64 id = window_->currentConversation();
        const QList<app::StoredMessage> before = store_->messages(id);
        QCOMPARE(before.size(), 4);

        // A second store on the same file, and a second window on it, see the same conversation.
        app::ConversationStore reopened(path(QStringLiteral("conversations.sqlite")));
        const QList<app::StoredMessage> after = reopened.messages(id);
        QCOMPARE(after.size(), 4);
        for (int i = 0; i < 4; ++i) QCOMPARE(after[i].text, before[i].text);
        QSettings otherSettings(path(QStringLiteral("other.ini")), QSettings::IniFormat);
        MainWindow second(reopened, *engine_->worker(), otherSettings);
        QListWidget* list = second.sidebar()->list();
        QCOMPARE(list->count(), 1);
        QCOMPARE(list->item(0)->text(), QStringLiteral("Describe this image."));
        second.openConversation(id);
        QCOMPARE(second.chatView()->messages().size(), 4);
        QCOMPARE(second.chatView()->messages()[3]->text(), before[3].text);
    }

    void regeneratesTheLastAnswer() {
        setAnswerSettings(0.9, 10);
        const qint64 id = window_->currentConversation();
        QCOMPARE(window_->chatView()->messages().size(), 4);
        MessageWidget* last = window_->chatView()->lastMessage();
        QCOMPARE(last->role(), app::Role::Assistant);
        const qint64 oldId = last->messageId();
        last->triggerRegenerate();
        QVERIFY(window_->isGenerating());
        waitIdle();
        const QList<app::StoredMessage> m = store_->messages(id);
        QCOMPARE(m.size(), 4);  // replaced, not added
        QVERIFY(m[3].id != oldId);
        QCOMPARE(window_->chatView()->messages().size(), 4);
        QCOMPARE(window_->chatView()->lastMessage()->messageId(), m[3].id);
    }

    void editsAndResendsAQuestion() {
        setAnswerSettings(0.0, 8);
        const qint64 id = window_->currentConversation();
        QCOMPARE(window_->chatView()->messages().size(), 4);
        MessageWidget* second = window_->chatView()->messages()[2];
        QCOMPARE(second->role(), app::Role::User);
        QSignalSpy asked(window_->session(), &app::ChatSession::askRequested);
        second->startEditing();
        second->submitEdit(QStringLiteral("What colour is it?"));
        waitIdle();
        const QList<app::StoredMessage> m = store_->messages(id);
        QCOMPARE(m.size(), 4);
        QCOMPARE(m[2].text, QStringLiteral("What colour is it?"));
        QCOMPARE(window_->chatView()->messages().size(), 4);
        QCOMPARE(window_->chatView()->messages()[2]->text(), QStringLiteral("What colour is it?"));
        // The first turn is history; the edited question is the prompt.
        QCOMPARE(asked.size(), 1);
        const AskRequest r = qvariant_cast<AskRequest>(asked.first().at(1));
        QCOMPARE(r.prompt, std::string("What colour is it?"));
        QCOMPARE(r.history.size(), size_t(1));
        QCOMPARE(r.history[0].instruction, std::string("Describe this image."));
    }

    // A preset chosen in the side panel is the conversation's system prompt: saved with it and
    // given to the model as the first turn's context; typed text of one's own shows "Custom".
    void systemPromptReachesTheModel() {
        setAnswerSettings(0.0, 4);
        const qint64 id = window_->currentConversation();
        SystemPromptEditor* editor = window_->settingsPanel()->systemPromptEditor();
        const app::SystemPromptPreset brief = app::systemPromptPresets()[1];
        Q_EMIT editor->presetBox()->activated(1);
        QCOMPARE(editor->text(), brief.text);
        QCOMPARE(window_->session()->systemPrompt(), brief.text);
        QCOMPARE(store_->systemPrompt(id), brief.text);

        QSignalSpy asked(window_->session(), &app::ChatSession::askRequested);
        window_->chatView()->lastMessage()->triggerRegenerate();
        waitIdle();
        QCOMPARE(asked.size(), 1);
        const AskRequest r = qvariant_cast<AskRequest>(asked.first().at(1));
        QCOMPARE(r.history.size(), size_t(1));
        QCOMPARE(r.history[0].input, brief.text.toStdString());

        editor->editor()->setPlainText(QStringLiteral("Talk like a pirate."));
        QTRY_COMPARE(window_->session()->systemPrompt(), QStringLiteral("Talk like a pirate."));
        QCOMPARE(editor->presetBox()->currentIndex(), editor->presetBox()->count() - 1);
        QCOMPARE(store_->systemPrompt(id), QStringLiteral("Talk like a pirate."));
        Q_EMIT editor->presetBox()->activated(0);  // none again, for the tests after this one
        QCOMPARE(window_->session()->systemPrompt(), QString());
    }

    // The settings' server switch serves the window's model over the OpenAI API on loopback.
    void serverSwitchServesTheModel() {
        settings_->setValue(QStringLiteral("server/port"), 0);  // any free port here
        SettingsPanel* panel = window_->settingsPanel();
        panel->serveBox()->setChecked(true);
        QVERIFY2(panel->serverStatus().contains(QStringLiteral("http://127.0.0.1:")), qPrintable(panel->serverStatus()));
        const QString address = panel->serverStatus().section(QStringLiteral("http://127.0.0.1:"), 1).section(QLatin1Char('/'), 0, 0);
        const int port = address.toInt();
        QVERIFY(port > 0);
        QVERIFY(settings_->value(QStringLiteral("server/enabled")).toBool());
        const test::HttpReply models = test::http_request(port, "GET", "/v1/models");
        QCOMPARE(models.status, 200);
        QVERIFY(models.body.find("\"demo\"") != std::string::npos);
        // An answer through the server comes from the window's engine while the window is idle.
        const test::HttpReply answer = test::http_request(
            port, "POST", "/v1/chat/completions",
            R"({"messages":[{"role":"user","content":"Hello?"}],"max_tokens":3,"temperature":0})");
        QCOMPARE(answer.status, 200);
        QVERIFY(answer.body.find("\"completion_tokens\":3") != std::string::npos);
        panel->serveBox()->setChecked(false);
        QCOMPARE(test::http_request(port, "GET", "/v1/models").status, 0);  // nobody listens
        QVERIFY(!settings_->value(QStringLiteral("server/enabled")).toBool());
    }

    void droppedFilesBecomeChips() {
        QImage image(64, 48, QImage::Format_RGB32);
        image.fill(Qt::darkGreen);
        QVERIFY(image.save(path(QStringLiteral("photo.png"))));
        writeBytes(path(QStringLiteral("bark.wav")), "RIFF....WAVEfmt ");
        writeBytes(path(QStringLiteral("clip.mp4")), "....ftypisom");
        writeBytes(path(QStringLiteral("plane.ply")), "ply\nformat ascii 1.0\nelement vertex 0\nend_header\n");
        writeBytes(path(QStringLiteral("notes.docx")), "PK");
        AttachmentBar* bar = window_->composer()->attachments();
        bar->clear();

        dropFiles(window_, {path(QStringLiteral("photo.png")), path(QStringLiteral("bark.wav")),
                                  path(QStringLiteral("clip.mp4")), path(QStringLiteral("plane.ply")),
                                  path(QStringLiteral("notes.docx"))});
        const QList<app::AttachmentSpec> specs = bar->attachments();
        QCOMPARE(specs.size(), 4);
        QCOMPARE(specs[0].modality, Modality::Image);
        QCOMPARE(specs[1].modality, Modality::Audio);
        QCOMPARE(specs[2].modality, Modality::Video);
        QCOMPARE(specs[3].modality, Modality::Point);
        QCOMPARE(specs[3].path, QFileInfo(path(QStringLiteral("plane.ply"))).absoluteFilePath());
        for (const app::AttachmentSpec& s : specs) QCOMPARE(s.weight, 1.0);  // the reference's default
        QVERIFY(bar->isVisible());
        // The image chip shows the picture itself.
        const QPixmap thumb = bar->chips()[0]->findChild<QLabel*>()->pixmap();
        QVERIFY(!thumb.isNull());
        QCOMPARE(thumb.toImage().pixelColor(thumb.width() / 2, thumb.height() / 2), QColor(Qt::darkGreen));

        NoticeBanner* notice = window_->composer()->notice();
        QVERIFY(notice->isVisible());
        QVERIFY2(notice->text().contains(QStringLiteral("notes.docx: unknown file type")), qPrintable(notice->text()));

        // Dropping the same file again is explained, not duplicated; removing works.
        dropFiles(window_, {path(QStringLiteral("photo.png"))});
        QCOMPARE(bar->count(), 4);
        QVERIFY(notice->text().contains(QStringLiteral("attached already")));
        bar->chips()[1]->removeRequested();
        QTRY_COMPARE(bar->count(), 3);
        bar->clear();
        QVERIFY(!bar->isVisible());
    }

    void fusionWeightsReachTheEngineRequest() {
        writeEmbedding(path(QStringLiteral("dog.npy")), 1024, 0.37f);
        writeEmbedding(path(QStringLiteral("bark.npy")), 1024, 0.91f);
        Composer* composer = window_->composer();
        QCOMPARE(composer->attachFiles({path(QStringLiteral("dog.npy")), path(QStringLiteral("bark.npy"))}), QStringList());
        QList<AttachmentChip*> chips = composer->attachments()->chips();
        QCOMPARE(chips.size(), 2);
        QCOMPARE(chips[0]->spec().modality, Modality::Image);  // one vector: an embedding
        chips[0]->setModality(Modality::Image);
        chips[0]->weightSlider()->setValue(25);  // as if dragged
        chips[1]->setModality(Modality::Audio);
        chips[1]->setWeight(0.75);

        setAnswerSettings(0.0, 6);
        QSignalSpy asked(window_->session(), &app::ChatSession::askRequested);
        window_->newConversation();
        typeAndSend(QStringLiteral("What is the dog doing?"));
        QCOMPARE(asked.size(), 1);
        const AskRequest r = qvariant_cast<AskRequest>(asked.first().at(1));
        QCOMPARE(r.attachments.size(), size_t(2));
        QCOMPARE(r.attachments[0].modality, Modality::Image);
        QCOMPARE(r.attachments[0].weight, 0.25);
        QCOMPARE(QString::fromStdString(r.attachments[0].path), QFileInfo(path(QStringLiteral("dog.npy"))).absoluteFilePath());
        QCOMPARE(r.attachments[1].modality, Modality::Audio);
        QCOMPARE(r.attachments[1].weight, 0.75);
        QVERIFY(r.history.empty());
        QCOMPARE(composer->attachments()->count(), 0);  // taken with the question
        waitIdle();
        // The embeddings were read and fused: an answer, not an error.
        MessageWidget* answer = window_->chatView()->lastMessage();
        QVERIFY(!answer->hasError());
        QVERIFY(!answer->text().isEmpty());
        // Stored with the question: path, modality and weight.
        const QList<app::StoredMessage> m = store_->messages(window_->currentConversation());
        QCOMPARE(m.size(), 2);
        QCOMPARE(m[0].attachments.size(), 2);
        QCOMPARE(m[0].attachments[0].weight, 0.25);
        QCOMPARE(m[0].attachments[1].modality, Modality::Audio);
        QTRY_VERIFY(!store_->messages(window_->currentConversation()).value(0).attachments.value(1).sha256.isEmpty());

        // A follow-up without chips is asked about the same files.
        asked.clear();
        typeAndSend(QStringLiteral("Is it loud?"));
        QCOMPARE(asked.size(), 1);
        const AskRequest follow = qvariant_cast<AskRequest>(asked.first().at(1));
        QCOMPARE(follow.attachments.size(), size_t(2));
        QCOMPARE(follow.attachments[1].weight, 0.75);
        QCOMPARE(follow.history.size(), size_t(1));
        waitIdle();
    }

    void anAttachmentTheEngineCannotUseIsAMessage() {
        setAnswerSettings(0.0, 6);
        window_->newConversation();
        QCOMPARE(window_->composer()->attachFiles({path(QStringLiteral("photo.png"))}), QStringList());
        typeAndSend(QStringLiteral("What is in the photo?"));
        waitIdle();
        MessageWidget* answer = window_->chatView()->lastMessage();
        QVERIFY(answer->hasError());
        QVERIFY(answer->findChildren<QLabel*>().size() > 0);
        bool named = false;
        for (QLabel* l : answer->findChildren<QLabel*>()) named = named || l->text().contains(QStringLiteral("photo.png"));
        QVERIFY(named);
        // The question is kept; the failed answer is not saved; the window is usable again.
        const QList<app::StoredMessage> m = store_->messages(window_->currentConversation());
        QCOMPARE(m.size(), 1);
        QVERIFY(window_->composer()->sendButton()->isEnabled());
        QVERIFY(!window_->isGenerating());
    }

    void composerKeys() {
        PromptEdit* editor = window_->composer()->editor();
        editor->setFocus();
        editor->clear();
        QSignalSpy sent(window_->composer(), &Composer::sendRequested);
        QTest::keyClicks(editor, QStringLiteral("line one"));
        QTest::keyClick(editor, Qt::Key_Return, Qt::ShiftModifier);
        QTest::keyClicks(editor, QStringLiteral("line two"));
        QCOMPARE(editor->toPlainText(), QStringLiteral("line one\nline two"));
        QCOMPARE(sent.size(), 0);

        editor->clear();
        QTest::keyClicks(editor, QStringLiteral("draft"));
        QTest::keyClick(editor, Qt::Key_Up);
        QCOMPARE(editor->toPlainText(), QStringLiteral("What is in the photo?"));
        QTest::keyClick(editor, Qt::Key_Up);
        QCOMPARE(editor->toPlainText(), QStringLiteral("Is it loud?"));
        QTest::keyClick(editor, Qt::Key_Down);
        QTest::keyClick(editor, Qt::Key_Down);
        QCOMPARE(editor->toPlainText(), QStringLiteral("draft"));
        // The history is remembered for the next start.
        QVERIFY(settings_->value(QStringLiteral("composer/history")).toStringList().contains(QStringLiteral("Is it loud?")));
        editor->clear();
    }

    void sidebarSearchRenameDelete() {
        ConversationSidebar* sidebar = window_->sidebar();
        QTRY_COMPARE(sidebar->list()->count(), 3);
        QTest::keyClicks(sidebar->searchBox(), QStringLiteral("loud"));
        QTRY_COMPARE(sidebar->list()->count(), 1);
        QCOMPARE(sidebar->list()->item(0)->text(), QStringLiteral("What is the dog doing?"));
        const qint64 id = sidebar->list()->item(0)->data(Qt::UserRole).toLongLong();
        window_->renameConversation(id, QStringLiteral("Dog and bark"));
        QCOMPARE(store_->conversation(id)->title, QStringLiteral("Dog and bark"));
        sidebar->searchBox()->clear();
        QTRY_COMPARE(sidebar->list()->count(), 3);
        window_->openConversation(id);
        QCOMPARE(window_->currentConversation(), id);
        window_->deleteConversation(id);
        QVERIFY(!store_->conversation(id));
        QCOMPARE(window_->currentConversation(), qint64(0));
        QVERIFY(window_->chatView()->isEmpty());
        QCOMPARE(sidebar->list()->count(), 2);
    }

    void modelDialogExplainsWrongPaths() {
        app::ModelConfig config;
        QDir().mkpath(path(QStringLiteral("not-llama")));
        config.paths.llama_dir = path(QStringLiteral("not-llama")).toStdString();
        ModelDialog dialog(config);
        QVERIFY(dialog.messageVisible(ModelDialog::Llama));
        QVERIFY2(dialog.message(ModelDialog::Llama).contains(QStringLiteral("has no params.json")),
                 qPrintable(dialog.message(ModelDialog::Llama)));
        QVERIFY(dialog.messageVisible(ModelDialog::Tokenizer));
        QVERIFY(dialog.messageVisible(ModelDialog::Adapter));
        QVERIFY(!dialog.messageVisible(ModelDialog::ImageBind));  // optional and empty
        QVERIFY(!dialog.loadButton()->isEnabled());

        // Typing the demo model's paths clears every message once typing pauses.
        const ModelPaths demo = app::EngineWorker::demoModelPaths(demoDir());
        dialog.field(ModelDialog::Llama)->setText(QString::fromStdString(demo.llama_dir));
        dialog.field(ModelDialog::Tokenizer)->setText(QString::fromStdString(demo.tokenizer));
        dialog.field(ModelDialog::Adapter)->setText(QString::fromStdString(demo.adapter));
        dialog.field(ModelDialog::Cache)->setText(QString::fromStdString(demo.cache));
        QTRY_VERIFY(dialog.loadButton()->isEnabled());
        for (int f = 0; f < ModelDialog::FieldCount; ++f) QVERIFY(!dialog.messageVisible(ModelDialog::Field(f)));

        dialog.field(ModelDialog::Adapter)->setText(QString::fromStdString(demo.tokenizer));
        dialog.validateNow();
        QVERIFY(dialog.message(ModelDialog::Adapter).contains(QStringLiteral("is not a PyTorch checkpoint")));
        QVERIFY(!dialog.loadButton()->isEnabled());
        const app::ModelConfig chosen = dialog.config();
        QCOMPARE(chosen.paths.llama_dir, demo.llama_dir);
    }

    // A OneLLM folder in the model field is the whole model: the other files are not asked for.
    void modelDialogTakesAOnellmFolder() {
        app::ModelConfig config;
        ModelDialog dialog(config);
        const QString folder = QStringLiteral(IBLLM_TEST_DATA "/onellm");
        dialog.field(ModelDialog::Llama)->setText(folder);
        dialog.validateNow();
        QVERIFY2(dialog.loadButton()->isEnabled(), qPrintable(dialog.message(ModelDialog::Llama)));
        QVERIFY(!dialog.field(ModelDialog::Tokenizer)->isEnabled());
        QVERIFY(!dialog.messageVisible(ModelDialog::Adapter));
        QCOMPARE(dialog.config().paths.onellm_dir, folder.toStdString());
        // Back to a folder that is not OneLLM: the other fields are asked for again.
        dialog.field(ModelDialog::Llama)->setText(path(QStringLiteral("not-llama")));
        dialog.validateNow();
        QVERIFY(dialog.field(ModelDialog::Tokenizer)->isEnabled());
        QVERIFY(dialog.config().paths.onellm_dir.empty());
    }

    // The weights format: shown as remembered, explained for the chosen LLaMA, and returned.
    void modelDialogChoosesTheWeightsFormat() {
        QVERIFY(QDir().mkpath(path(QStringLiteral("llama7b"))));
        writeBytes(path(QStringLiteral("llama7b/params.json")),
                   R"({"dim": 4096, "multiple_of": 256, "n_heads": 32, "n_layers": 32, "norm_eps": 1e-06, "vocab_size": -1})");
        app::ModelConfig config;
        config.paths.llama_dir = path(QStringLiteral("llama7b")).toStdString();
        config.options.weight_format = WeightFormat::Q4;
        ModelDialog dialog(config);
        QCOMPARE(dialog.weightsBox()->currentText(), QStringLiteral("q4"));
        QVERIFY2(dialog.weightsNote().contains(QStringLiteral("GiB")) && dialog.weightsNote().contains(QStringLiteral("79%")),
                 qPrintable(dialog.weightsNote()));
        dialog.weightsBox()->setCurrentIndex(dialog.weightsBox()->findText(QStringLiteral("bf16")));
        QVERIFY2(dialog.weightsNote().contains(QStringLiteral("19.1 GiB")), qPrintable(dialog.weightsNote()));
        dialog.weightsBox()->setCurrentIndex(dialog.weightsBox()->findText(QStringLiteral("int8")));
        QCOMPARE(dialog.config().options.weight_format, WeightFormat::Int8);
    }

    void chineseTranslationLoads() {
        QCOMPARE(applyUiLanguage(QStringLiteral("zh_CN")), QStringLiteral("zh_CN"));
        QCOMPARE(QCoreApplication::translate("ibllm::ui::Composer", "Send"), QStringLiteral("发送"));
        QTRY_COMPARE(window_->composer()->sendButton()->text(), QStringLiteral("发送"));
        QVERIFY(window_->modelBanner()->text().contains(QStringLiteral("演示模型")));
        QCOMPARE(window_->menuBar()->actions().first()->text(), QStringLiteral("文件(&F)"));
        // The microphone's controls too (they were English in the Chinese UI once).
        QCOMPARE(window_->composer()->recorder()->recordButton()->text(), QStringLiteral("录音"));
        QCOMPARE(window_->composer()->recorder()->liveButton()->text(), QStringLiteral("实时"));
        QStringList settingsTexts;
        for (const QWidget* w : window_->settingsPanel()->findChildren<QWidget*>()) {
            if (const auto* label = qobject_cast<const QLabel*>(w)) settingsTexts << label->text();
            if (const auto* button = qobject_cast<const QPushButton*>(w)) settingsTexts << button->text();
            if (const auto* box = qobject_cast<const QComboBox*>(w))
                for (int i = 0; i < box->count(); ++i) settingsTexts << box->itemText(i);
        }
        for (const QString& expected : {QStringLiteral("麦克风"), QStringLiteral("查找麦克风"), QStringLiteral("默认输入")})
            QVERIFY2(settingsTexts.contains(expected), qPrintable(settingsTexts.join(QLatin1Char('|'))));
        // A dialog opened now is in Chinese too.
        ModelDialog dialog(app::ModelConfig{});
        QVERIFY(dialog.message(ModelDialog::Llama).contains(QStringLiteral("LLaMA-7B")));
        QVERIFY(!dialog.message(ModelDialog::Llama).contains(QStringLiteral("Choose")));

        QCOMPARE(applyUiLanguage(QStringLiteral("en")), QStringLiteral("en"));
        QTRY_COMPARE(window_->composer()->sendButton()->text(), QStringLiteral("Send"));
    }

    void cleanupTestCase() { demo_.closeWindow(); }
};

QTEST_MAIN(TestDesktopUi)
#include "test_desktop_ui.moc"
