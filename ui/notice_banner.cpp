#include "ui/notice_banner.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QToolButton>

namespace ibllm::ui {

NoticeBanner::NoticeBanner(QWidget* parent) : QFrame(parent) {
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::ToolTipBase);
    setForegroundRole(QPalette::ToolTipText);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(10, 6, 6, 6);
    icon_ = new QLabel(this);
    icon_->setAlignment(Qt::AlignTop);
    text_ = new QLabel(this);
    text_->setWordWrap(true);
    text_->setTextFormat(Qt::PlainText);
    text_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    text_->setForegroundRole(QPalette::ToolTipText);
    action_ = new QPushButton(this);
    close_ = new QToolButton(this);
    close_->setAutoRaise(true);
    close_->setIcon(style()->standardIcon(QStyle::SP_TitleBarCloseButton));
    layout->addWidget(icon_);
    layout->addWidget(text_, 1);
    layout->addWidget(action_, 0, Qt::AlignVCenter);
    layout->addWidget(close_, 0, Qt::AlignTop);
    connect(action_, &QPushButton::clicked, this, &NoticeBanner::actionTriggered);
    connect(close_, &QToolButton::clicked, this, [this] {
        hide();
        Q_EMIT closed();
    });
    retranslate();
    hide();
}

void NoticeBanner::retranslate() {
    close_->setAccessibleName(tr("Dismiss"));
    close_->setToolTip(tr("Dismiss"));
}

void NoticeBanner::changeEvent(QEvent* event) {
    QFrame::changeEvent(event);
    if (event->type() == QEvent::LanguageChange) retranslate();
}

void NoticeBanner::showNotice(Kind kind, const QString& text, const QString& action, bool closable) {
    kind_ = kind;
    const QStyle::StandardPixmap pixmap = kind == Kind::Error     ? QStyle::SP_MessageBoxCritical
                                          : kind == Kind::Warning ? QStyle::SP_MessageBoxWarning
                                                                  : QStyle::SP_MessageBoxInformation;
    const int size = style()->pixelMetric(QStyle::PM_SmallIconSize);
    icon_->setPixmap(style()->standardIcon(pixmap).pixmap(size, size));
    text_->setText(text);
    setActionText(action);
    close_->setVisible(closable);
    show();
}

void NoticeBanner::setActionText(const QString& action) {
    action_->setText(action);
    action_->setVisible(!action.isEmpty());
}

void NoticeBanner::setText(const QString& text) { text_->setText(text); }

QString NoticeBanner::text() const { return text_->text(); }

}  // namespace ibllm::ui
