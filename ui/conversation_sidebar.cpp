#include "ui/conversation_sidebar.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QMenu>
#include <QPushButton>
#include <QStyledItemDelegate>
#include <QStyle>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace ibllm::ui {

namespace {
constexpr int kIdRole = Qt::UserRole;

// QListView makes every row as wide as its widest title and then scrolls sideways; asking
// for no width makes rows as wide as the list, so long titles are elided instead.
class ElidingDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override {
        return QSize(1, QStyledItemDelegate::sizeHint(option, index).height());
    }
};

QToolButton* smallButton(QWidget* parent, const QString& theme, QStyle::StandardPixmap fallback) {
    auto* b = new QToolButton(parent);
    b->setAutoRaise(true);
    b->setIcon(QIcon::fromTheme(theme, parent->style()->standardIcon(fallback)));
    return b;
}
}  // namespace

ConversationSidebar::ConversationSidebar(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 4, 8);
    new_ = new QPushButton(this);
    new_->setIcon(QIcon::fromTheme(QStringLiteral("document-new"), style()->standardIcon(QStyle::SP_FileIcon)));
    layout->addWidget(new_);
    search_ = new QLineEdit(this);
    search_->setClearButtonEnabled(true);
    layout->addWidget(search_);
    list_ = new QListWidget(this);
    list_->setContextMenuPolicy(Qt::CustomContextMenu);
    list_->setEditTriggers(QAbstractItemView::EditKeyPressed | QAbstractItemView::DoubleClicked);
    list_->setTextElideMode(Qt::ElideRight);
    list_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    list_->setItemDelegate(new ElidingDelegate(list_));
    list_->setUniformItemSizes(true);
    layout->addWidget(list_, 1);
    auto* buttons = new QHBoxLayout;
    rename_ = smallButton(this, QStringLiteral("edit-rename"), QStyle::SP_FileDialogDetailedView);
    export_ = smallButton(this, QStringLiteral("document-save-as"), QStyle::SP_DialogSaveButton);
    delete_ = smallButton(this, QStringLiteral("edit-delete"), QStyle::SP_TrashIcon);
    buttons->addWidget(rename_);
    buttons->addWidget(export_);
    buttons->addStretch(1);
    buttons->addWidget(delete_);
    layout->addLayout(buttons);

    searchTimer_ = new QTimer(this);
    searchTimer_->setSingleShot(true);
    searchTimer_->setInterval(200);
    connect(search_, &QLineEdit::textChanged, searchTimer_, qOverload<>(&QTimer::start));
    connect(searchTimer_, &QTimer::timeout, this, [this] { Q_EMIT searchChanged(search_->text()); });
    connect(new_, &QPushButton::clicked, this, &ConversationSidebar::newConversationRequested);
    connect(list_, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
        if (!filling_ && item) Q_EMIT conversationChosen(item->data(kIdRole).toLongLong());
    });
    connect(list_, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
        if (filling_) return;
        const qint64 id = item->data(kIdRole).toLongLong();
        for (const app::ConversationSummary& c : conversations_)
            if (c.id == id && item->text().trimmed() != displayTitle(c) && !item->text().trimmed().isEmpty())
                Q_EMIT renameRequested(id, item->text().trimmed());
    });
    connect(list_, &QListWidget::customContextMenuRequested, this, &ConversationSidebar::showMenu);
    connect(rename_, &QToolButton::clicked, this, [this] { editTitle(current()); });
    connect(export_, &QToolButton::clicked, this, [this] {
        if (current()) Q_EMIT exportRequested(current());
    });
    connect(delete_, &QToolButton::clicked, this, [this] {
        if (current()) Q_EMIT deleteRequested(current());
    });
    // Delete on the list deletes the selected conversation (after the window asks).
    list_->installEventFilter(this);
    retranslate();
}

void ConversationSidebar::retranslate() {
    new_->setText(tr("New chat"));
    new_->setToolTip(tr("Start a new conversation (Ctrl+N)"));
    search_->setPlaceholderText(tr("Search conversations"));
    rename_->setToolTip(tr("Rename (F2)"));
    export_->setToolTip(tr("Export as Markdown…"));
    delete_->setToolTip(tr("Delete"));
    rename_->setAccessibleName(tr("Rename"));
    export_->setAccessibleName(tr("Export as Markdown…"));
    delete_->setAccessibleName(tr("Delete"));
    setConversations(conversations_, current());
}

void ConversationSidebar::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::LanguageChange) retranslate();
}

bool ConversationSidebar::eventFilter(QObject* watched, QEvent* event) {
    // While a title is being edited, keys go to the editor, not to the list.
    if (watched == list_ && event->type() == QEvent::KeyPress) {
        const auto* key = static_cast<QKeyEvent*>(event);
        if (key->key() == Qt::Key_Delete && current()) {
            Q_EMIT deleteRequested(current());
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

QString ConversationSidebar::displayTitle(const app::ConversationSummary& c) {
    return c.title.isEmpty() ? tr("New chat") : c.title;
}

void ConversationSidebar::setConversations(const QList<app::ConversationSummary>& conversations, qint64 current) {
    filling_ = true;
    conversations_ = conversations;
    list_->clear();
    const QLocale locale;
    for (const app::ConversationSummary& c : conversations) {
        auto* item = new QListWidgetItem(displayTitle(c), list_);
        item->setData(kIdRole, c.id);
        item->setFlags(item->flags() | Qt::ItemIsEditable);
        item->setToolTip(tr("%1\nLast message: %2").arg(displayTitle(c), locale.toString(c.updated, QLocale::ShortFormat)));
        if (c.id == current) list_->setCurrentItem(item);
    }
    filling_ = false;
    const bool any = current != 0 && itemFor(current);
    rename_->setEnabled(any);
    export_->setEnabled(any);
    delete_->setEnabled(any);
}

QListWidgetItem* ConversationSidebar::itemFor(qint64 id) const {
    for (int i = 0; i < list_->count(); ++i)
        if (list_->item(i)->data(kIdRole).toLongLong() == id) return list_->item(i);
    return nullptr;
}

void ConversationSidebar::setCurrent(qint64 id) {
    filling_ = true;
    QListWidgetItem* item = itemFor(id);
    list_->setCurrentItem(item);
    if (!item) list_->clearSelection();
    filling_ = false;
    rename_->setEnabled(item);
    export_->setEnabled(item);
    delete_->setEnabled(item);
}

qint64 ConversationSidebar::current() const {
    QListWidgetItem* item = list_->currentItem();
    return item && item->isSelected() ? item->data(kIdRole).toLongLong() : 0;
}

QString ConversationSidebar::searchText() const { return search_->text(); }

void ConversationSidebar::editTitle(qint64 id) {
    if (QListWidgetItem* item = itemFor(id)) list_->editItem(item);
}

void ConversationSidebar::showMenu(const QPoint& pos) {
    QListWidgetItem* item = list_->itemAt(pos);
    if (!item) return;
    const qint64 id = item->data(kIdRole).toLongLong();
    QMenu menu(this);
    menu.addAction(tr("Rename"), this, [this, id] { editTitle(id); });
    menu.addAction(tr("Export as Markdown…"), this, [this, id] { Q_EMIT exportRequested(id); });
    menu.addSeparator();
    menu.addAction(tr("Delete"), this, [this, id] { Q_EMIT deleteRequested(id); });
    menu.exec(list_->viewport()->mapToGlobal(pos));
}

}  // namespace ibllm::ui
