#include "ui/conversation_list.h"

#include <QDir>
#include <QFileDialog>
#include <QMessageBox>
#include <QRegularExpression>
#include <QStandardPaths>

#include "app/chat_session.h"
#include "app/conversation_markdown.h"
#include "ui/chat_view.h"
#include "ui/composer.h"
#include "ui/conversation_sidebar.h"

namespace ibllm::ui {

ConversationList::ConversationList(app::ChatSession& session, ConversationSidebar* sidebar, ChatView* chat,
                                   Composer* composer, QWidget* window)
    : QObject(window), session_(session), store_(session.store()), sidebar_(sidebar), chat_(chat), composer_(composer),
      window_(window) {
    connect(sidebar_, &ConversationSidebar::conversationChosen, this, &ConversationList::open);
    connect(sidebar_, &ConversationSidebar::newConversationRequested, this, &ConversationList::startNew);
    connect(sidebar_, &ConversationSidebar::renameRequested, this, &ConversationList::rename);
    connect(sidebar_, &ConversationSidebar::deleteRequested, this, &ConversationList::remove);
    connect(sidebar_, &ConversationSidebar::exportRequested, this, &ConversationList::exportMarkdown);
    connect(sidebar_, &ConversationSidebar::searchChanged, this, &ConversationList::refresh);
    connect(&session_, &app::ChatSession::conversationsChanged, this, &ConversationList::refresh);
    connect(&session_, &app::ChatSession::conversationChanged, sidebar_, &ConversationSidebar::setCurrent);
}

void ConversationList::refresh() { sidebar_->setConversations(store_.search(sidebar_->searchText()), session_.conversation()); }

void ConversationList::startNew() {
    session_.startNew();
    chat_->clear();
    composer_->editor()->setFocus();
}

void ConversationList::open(qint64 id) {
    if (id == session_.conversation()) return;
    if (!session_.open(id)) return refresh();  // gone meanwhile
    chat_->showConversation(session_.messages());
}

void ConversationList::rename(qint64 id, const QString& title) {
    if (!store_.renameConversation(id, title)) composer_->showProblem(store_.lastError());
    refresh();
    Q_EMIT renamed(id);
}

void ConversationList::remove(qint64 id) {
    const std::optional<app::ConversationSummary> c = store_.conversation(id);
    if (!c) return;
    if (confirmDeletes_ &&
        QMessageBox::question(window_, tr("Delete conversation"),
                              tr("Delete “%1” and all its messages? This cannot be undone.")
                                  .arg(ConversationSidebar::displayTitle(*c))) != QMessageBox::Yes)
        return;
    if (id == session_.answeringConversation()) session_.stop();
    if (!store_.deleteConversation(id)) return composer_->showProblem(store_.lastError());
    if (id == session_.conversation()) startNew();
    refresh();
}

void ConversationList::exportMarkdown(qint64 id) {
    const std::optional<app::ConversationSummary> c = id ? store_.conversation(id) : std::nullopt;
    if (!c) return composer_->showProblem(tr("There is nothing to export yet: ask a question first."));
    QString name = ConversationSidebar::displayTitle(*c);
    name.replace(QRegularExpression(QStringLiteral("[/\\\\:*?\"<>|]")), QStringLiteral("_"));
    const QString documents = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    const QString start = QDir(documents).absoluteFilePath(name + QStringLiteral(".md"));
    const QString path = QFileDialog::getSaveFileName(window_, tr("Export as Markdown"), start, tr("Markdown (*.md)"));
    if (path.isEmpty()) return;
    const QString error = app::exportConversationMarkdown(store_, id, path);
    if (!error.isEmpty()) QMessageBox::warning(window_, tr("Export as Markdown"), error);
}

}  // namespace ibllm::ui
