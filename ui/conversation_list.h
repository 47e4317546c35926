#pragma once
// What the sidebar's conversations do: start a new chat, open one into the chat view,
// rename, delete (after asking) and export as Markdown. The store and the session hold the
// data; this joins them to the sidebar, the chat view and the composer's notices.
#include <QObject>

class QWidget;

namespace ibllm::app {
class ChatSession;
class ConversationStore;
}  // namespace ibllm::app

namespace ibllm::ui {

class ChatView;
class Composer;
class ConversationSidebar;

class ConversationList : public QObject {
    Q_OBJECT
public:
    // Dialogs open over `window`; everything passed outlives this.
    ConversationList(app::ChatSession& session, ConversationSidebar* sidebar, ChatView* chat, Composer* composer,
                     QWidget* window);

    // Asks before deleting a conversation (tests turn it off).
    void setConfirmDeletes(bool confirm) { confirmDeletes_ = confirm; }

public Q_SLOTS:
    void startNew();
    void open(qint64 id);
    void rename(qint64 id, const QString& title);
    void remove(qint64 id);
    void exportMarkdown(qint64 id);
    // Lists the conversations again (filtered by the sidebar's search).
    void refresh();

Q_SIGNALS:
    // A conversation's title changed.
    void renamed(qint64 id);

private:
    app::ChatSession& session_;
    app::ConversationStore& store_;
    ConversationSidebar* sidebar_;
    ChatView* chat_;
    Composer* composer_;
    QWidget* window_;
    bool confirmDeletes_ = true;
};

}  // namespace ibllm::ui
