#pragma once
// The list of saved conversations: new, search (titles and message text), rename, export and
// delete. It shows what the store gives it and asks the window to change anything.
#include <QList>
#include <QWidget>

#include "app/conversation_store.h"

class QLineEdit;
class QListWidget;
class QListWidgetItem;
class QPushButton;
class QTimer;
class QToolButton;

namespace ibllm::ui {

class ConversationSidebar : public QWidget {
    Q_OBJECT
public:
    explicit ConversationSidebar(QWidget* parent = nullptr);

    void setConversations(const QList<app::ConversationSummary>& conversations, qint64 current);
    void setCurrent(qint64 id);
    qint64 current() const;
    QString searchText() const;
    QLineEdit* searchBox() const { return search_; }
    QListWidget* list() const { return list_; }
    // Starts renaming the conversation in place.
    void editTitle(qint64 id);

    static QString displayTitle(const app::ConversationSummary& c);

Q_SIGNALS:
    void conversationChosen(qint64 id);
    void newConversationRequested();
    void renameRequested(qint64 id, const QString& title);
    void deleteRequested(qint64 id);
    void exportRequested(qint64 id);
    void searchChanged(const QString& text);

protected:
    void changeEvent(QEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void retranslate();
    void showMenu(const QPoint& pos);
    QListWidgetItem* itemFor(qint64 id) const;

    QPushButton* new_;
    QLineEdit* search_;
    QListWidget* list_;
    QToolButton* rename_;
    QToolButton* export_;
    QToolButton* delete_;
    QTimer* searchTimer_;
    QList<app::ConversationSummary> conversations_;
    bool filling_ = false;
};

}  // namespace ibllm::ui
