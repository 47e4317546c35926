#pragma once
// Where questions are written: the attachment chips, the prompt (Enter sends, Shift+Enter
// starts a new line, Up and Down walk through earlier prompts) and the attach / send / stop
// buttons. Files pasted or dropped on the prompt become attachments.
#include <QPlainTextEdit>
#include <QWidget>

#include "app/attachment_spec.h"
#include "ui/prompt_history.h"

class QLabel;
class QSettings;
class QPushButton;
class QToolButton;

namespace ibllm::ui {

class AttachmentBar;
class NoticeBanner;
class RecordingControl;

class PromptEdit : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit PromptEdit(QWidget* parent = nullptr);
    PromptHistory& history() { return history_; }

Q_SIGNALS:
    void submitted();
    void filesPasted(const QStringList& paths);
    void imagePasted(const QImage& image);

protected:
    void keyPressEvent(QKeyEvent* event) override;
    bool canInsertFromMimeData(const QMimeData* source) const override;
    void insertFromMimeData(const QMimeData* source) override;

private:
    void fitHeight();
    bool onFirstLine() const;
    bool onLastLine() const;
    void replaceText(const QString& text);

    PromptHistory history_;
};

class Composer : public QWidget {
    Q_OBJECT
public:
    explicit Composer(QWidget* parent = nullptr);

    PromptEdit* editor() const { return editor_; }
    AttachmentBar* attachments() const { return bar_; }
    PromptHistory& history() { return editor_->history(); }
    NoticeBanner* notice() const { return notice_; }
    QPushButton* sendButton() const { return send_; }
    // Record from the microphone (the recording becomes an audio chip) and the "live" toggle.
    RecordingControl* recorder() const { return recorder_; }

    // Adds chips for the files; the ones that cannot be attached are explained in the notice.
    QStringList attachFiles(const QStringList& paths);
    void showProblem(const QString& message);
    // Where pasted images (screenshots) are saved so that they can be attached by path.
    void setPasteFolder(const QString& dir) { pasteFolder_ = dir; }

    // generating: Send becomes Stop. ready: a model is loaded (else sending is explained).
    void setGenerating(bool generating);
    void setModelReady(bool ready);
    bool isGenerating() const { return generating_; }

    // Restores the earlier prompts and the folder files were last attached from, and keeps
    // both in `settings` from now on. `settings` outlives the composer.
    void keepIn(QSettings& settings);
    // The file dialog for attaching, opened where files were attached from last time.
    void attachWithDialog();
    // Takes the question's attachments: the chips, and with the "live" microphone on, the
    // last seconds of sound as an audio clip. Empties the prompt and the chips and remembers
    // the prompt.
    QList<app::AttachmentSpec> takeQuestion();

Q_SIGNALS:
    void sendRequested(const QString& text);
    void stopRequested();

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    void trySend();
    void attachPastedImage(const QImage& image);

    NoticeBanner* notice_;
    AttachmentBar* bar_;
    PromptEdit* editor_;
    QToolButton* attach_;
    RecordingControl* recorder_;
    QPushButton* send_;
    QLabel* hint_;
    QString pasteFolder_;
    QString attachDir_;
    QSettings* settings_ = nullptr;
    bool generating_ = false;
    bool ready_ = false;
};

}  // namespace ibllm::ui
