#include "ui/chat_view.h"

#include "app/chat_session.h"

#include <QEvent>
#include <QLabel>
#include <QScrollBar>
#include <QVBoxLayout>

#include "ui/message_widget.h"

namespace ibllm::ui {

ChatView::ChatView(QWidget* parent) : QScrollArea(parent) {
    setWidgetResizable(true);
    setFrameShape(QFrame::NoFrame);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setBackgroundRole(QPalette::Base);
    page_ = new QWidget(this);
    page_->setBackgroundRole(QPalette::Base);
    column_ = new QVBoxLayout(page_);
    column_->setContentsMargins(16, 12, 16, 12);
    column_->setSpacing(10);
    placeholder_ = new QLabel(page_);
    placeholder_->setAlignment(Qt::AlignCenter);
    placeholder_->setWordWrap(true);
    placeholder_->setForegroundRole(QPalette::PlaceholderText);
    placeholder_->setMargin(40);
    column_->addWidget(placeholder_, 1);
    column_->addStretch(0);
    setWidget(page_);

    // Follow the bottom while streaming only if the user is already there.
    QScrollBar* bar = verticalScrollBar();
    connect(bar, &QScrollBar::valueChanged, this, [this, bar](int value) { followBottom_ = value >= bar->maximum() - 4; });
    connect(bar, &QScrollBar::rangeChanged, this, [this, bar](int, int max) {
        if (followBottom_) bar->setValue(max);
    });
    retranslate();
}

void ChatView::retranslate() {
    placeholder_->setText(tr("Ask anything, or about your images, sounds, videos and 3D scans.\n"
                             "Drop files on the window, paste them, or press Ctrl+O to attach them."));
}

void ChatView::changeEvent(QEvent* event) {
    QScrollArea::changeEvent(event);
    if (event->type() == QEvent::LanguageChange) retranslate();
}

QList<MessageWidget*> ChatView::messages() const {
    QList<MessageWidget*> out;
    for (int i = 0; i < column_->count(); ++i)
        if (auto* m = qobject_cast<MessageWidget*>(column_->itemAt(i)->widget())) out.append(m);
    return out;
}

MessageWidget* ChatView::lastMessage() const {
    const QList<MessageWidget*> all = messages();
    return all.isEmpty() ? nullptr : all.last();
}

void ChatView::clear() {
    for (MessageWidget* m : messages()) {
        column_->removeWidget(m);
        delete m;
    }
    placeholder_->show();
    followBottom_ = true;
}

MessageWidget* ChatView::append(app::Role role) {
    auto* m = new MessageWidget(role, page_);
    // Before the trailing stretch, which keeps short conversations at the top.
    column_->insertWidget(column_->count() - 1, m);
    placeholder_->hide();
    m->setBusy(busy_);
    connect(m, &MessageWidget::stopRequested, this, &ChatView::stopRequested);
    connect(m, &MessageWidget::regenerateRequested, this, [this, m] { Q_EMIT regenerateRequested(m); });
    connect(m, &MessageWidget::editSubmitted, this, [this, m](const QString& text) { Q_EMIT editSubmitted(m, text); });
    refreshActions();
    return m;
}

MessageWidget* ChatView::addMessage(const app::StoredMessage& message) {
    MessageWidget* m = append(message.role);
    m->setMessageId(message.id);
    m->setText(message.text);
    m->setAttachments(message.attachments);
    m->setStats(message.stats);
    refreshActions();
    return m;
}

void ChatView::follow(app::ChatSession* session) {
    connect(session, &app::ChatSession::questionAdded, this, &ChatView::addMessage);
    connect(session, &app::ChatSession::answerStarted, this, [this] { streaming_ = addStreamingAnswer(); });
    connect(session, &app::ChatSession::pieceArrived, this, [this](const QString& piece) {
        if (streaming_) streaming_->appendStreamText(piece);
    });
    connect(session, &app::ChatSession::answerFinished, this, [this](const app::StoredMessage& answer) {
        if (!streaming_) return;
        streaming_->setMessageId(answer.id);
        if (streaming_->text() != answer.text) streaming_->setText(answer.text);
        streaming_->finishStreaming(answer.stats);
    });
    connect(session, &app::ChatSession::answerFailed, this, [this](const QString& message) {
        if (streaming_) streaming_->showError(message);
    });
    connect(session, &app::ChatSession::busyChanged, this, &ChatView::setBusy);
}

void ChatView::showConversation(const QList<app::StoredMessage>& messages) {
    clear();
    for (const app::StoredMessage& m : messages) addMessage(m);
    scrollToBottom();
}

MessageWidget* ChatView::addStreamingAnswer() {
    MessageWidget* m = append(app::Role::Assistant);
    m->beginStreaming();
    followBottom_ = true;
    scrollToBottom();
    return m;
}

void ChatView::removeFrom(MessageWidget* from) {
    bool removing = false;
    for (MessageWidget* m : messages()) {
        removing = removing || m == from;
        if (!removing) continue;
        column_->removeWidget(m);
        m->deleteLater();  // it may be the sender of the signal being handled
    }
    placeholder_->setVisible(messages().isEmpty());
    refreshActions();
}

void ChatView::setBusy(bool busy) {
    busy_ = busy;
    for (MessageWidget* m : messages()) m->setBusy(busy);
}

void ChatView::refreshActions() {
    // removeFrom() defers deletion, so skip widgets already taken out of the column.
    const QList<MessageWidget*> all = messages();
    for (int i = 0; i < all.size(); ++i) all[i]->setRegenerateAvailable(i == all.size() - 1);
}

void ChatView::scrollToBottom() { verticalScrollBar()->setValue(verticalScrollBar()->maximum()); }

}  // namespace ibllm::ui
