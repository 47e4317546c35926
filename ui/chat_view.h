#pragma once
// The conversation as a column of messages in a scroll area. While an answer streams in, the
// view follows it, unless the user has scrolled up to read something else.
#include <QList>
#include <QScrollArea>

#include <QPointer>

#include "app/conversation_store.h"

namespace ibllm::app {
class ChatSession;
}

class QLabel;
class QVBoxLayout;

namespace ibllm::ui {

class MessageWidget;

class ChatView : public QScrollArea {
    Q_OBJECT
public:
    explicit ChatView(QWidget* parent = nullptr);

    // Shows what `session` does: questions as they are saved, answers as they stream, and
    // the busy state. The view asks nothing itself; its signals below go to the window.
    void follow(app::ChatSession* session);
    // Shows the session's current conversation from the store.
    void showConversation(const QList<app::StoredMessage>& messages);

    void clear();
    MessageWidget* addMessage(const app::StoredMessage& message);
    // An empty answer that is about to stream in.
    MessageWidget* addStreamingAnswer();
    // Removes `from` and every message after it.
    void removeFrom(MessageWidget* from);

    QList<MessageWidget*> messages() const;
    MessageWidget* lastMessage() const;
    bool isEmpty() const { return messages().isEmpty(); }

    // While the model works, questions cannot be edited and answers not regenerated.
    void setBusy(bool busy);
    void scrollToBottom();

Q_SIGNALS:
    void regenerateRequested(ibllm::ui::MessageWidget* answer);
    void editSubmitted(ibllm::ui::MessageWidget* question, const QString& text);
    void stopRequested();

protected:
    void changeEvent(QEvent* event) override;

private:
    MessageWidget* append(app::Role role);
    void refreshActions();
    void retranslate();

    QWidget* page_;
    QVBoxLayout* column_;
    QLabel* placeholder_;
    bool busy_ = false;
    bool followBottom_ = true;
    QPointer<MessageWidget> streaming_;  // the answer being written
};

}  // namespace ibllm::ui
