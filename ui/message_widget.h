#pragma once
// One message of the chat: the user's question (with its attachments, editable and
// resendable) or the model's answer (Markdown, streamed in, with stop / regenerate / copy and
// its speed).
#include <QElapsedTimer>
#include <QFrame>
#include <QJsonObject>
#include <QList>
#include <QTimer>

#include "app/conversation_store.h"

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QToolButton;

namespace ibllm::ui {

class MarkdownView;

class MessageWidget : public QFrame {
    Q_OBJECT
public:
    explicit MessageWidget(app::Role role, QWidget* parent = nullptr);

    app::Role role() const { return role_; }
    qint64 messageId() const { return messageId_; }
    void setMessageId(qint64 id) { messageId_ = id; }

    QString text() const { return text_; }
    void setText(const QString& text);
    void setAttachments(const QList<app::StoredAttachment>& attachments);
    QList<app::StoredAttachment> attachments() const { return attachments_; }

    // Streaming an answer: text arrives piece by piece and is rendered a few times a second
    // (re-laying out Markdown per token would cost more than generating it on the demo).
    void beginStreaming();
    void appendStreamText(const QString& piece);
    void finishStreaming(const QJsonObject& stats);
    bool isStreaming() const { return streaming_; }
    int streamedPieces() const { return pieces_; }
    // Decode speed while streaming, from the first piece on (prefill is not decoding).
    double liveTokensPerSecond() const;

    void setStats(const QJsonObject& stats);
    void showError(const QString& message);
    bool hasError() const { return hasError_; }
    QString statusText() const;

    // Regenerate is offered on the latest answer only; edit and regenerate pause while the
    // model is busy.
    void setRegenerateAvailable(bool available);
    void setBusy(bool busy);

    // For tests and keyboard users: the same as clicking.
    void triggerStop();
    void triggerRegenerate();
    void startEditing();
    void submitEdit(const QString& text);

Q_SIGNALS:
    void stopRequested();
    void regenerateRequested();
    void editSubmitted(const QString& text);
    void streamRendered();

protected:
    void paintEvent(QPaintEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    void render();
    void updateLiveStatus();
    void updateButtons();
    void copyText();
    void finishEditing();
    QString attachmentsHtml() const;

    app::Role role_;
    qint64 messageId_ = 0;
    QString text_;
    QList<app::StoredAttachment> attachments_;
    QJsonObject stats_;
    bool streaming_ = false;
    bool hasError_ = false;
    bool busy_ = false;
    bool regenerateAvailable_ = false;
    bool editing_ = false;
    int pieces_ = 0;
    QElapsedTimer firstPieceClock_;
    qint64 streamStartMs_ = 0;
    QTimer renderTimer_;
    QTimer statusTimer_;

    QLabel* roleLabel_;
    QLabel* attachmentsLabel_;
    MarkdownView* body_;
    QLabel* errorIcon_;
    QLabel* errorLabel_;
    QWidget* errorRow_;
    QPlainTextEdit* editor_;
    QWidget* editRow_;
    QPushButton* editSend_;
    QPushButton* editCancel_;
    QLabel* statusLabel_;
    QToolButton* copyButton_;
    QToolButton* regenerateButton_;
    QToolButton* stopButton_;
    QToolButton* editButton_;
};

}  // namespace ibllm::ui
