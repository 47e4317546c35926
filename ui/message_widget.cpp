#include "ui/message_widget.h"

#include <QApplication>
#include <QClipboard>
#include <QEvent>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPainter>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

#include "app/attachment_spec.h"
#include "ui/markdown_view.h"

namespace ibllm::ui {

namespace {

QToolButton* actionButton(QWidget* parent, const QString& themeIcon, QStyle::StandardPixmap fallback) {
    auto* b = new QToolButton(parent);
    b->setAutoRaise(true);
    b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    b->setIcon(QIcon::fromTheme(themeIcon, parent->style()->standardIcon(fallback)));
    b->setFocusPolicy(Qt::TabFocus);
    return b;
}

}  // namespace

MessageWidget::MessageWidget(app::Role role, QWidget* parent) : QFrame(parent), role_(role) {
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(12, 8, 12, 6);
    layout->setSpacing(4);

    roleLabel_ = new QLabel(this);
    QFont bold = roleLabel_->font();
    bold.setBold(true);
    roleLabel_->setFont(bold);
    layout->addWidget(roleLabel_);

    attachmentsLabel_ = new QLabel(this);
    attachmentsLabel_->setTextFormat(Qt::RichText);
    attachmentsLabel_->setWordWrap(true);
    attachmentsLabel_->hide();
    layout->addWidget(attachmentsLabel_);

    body_ = new MarkdownView(this);
    layout->addWidget(body_);

    errorRow_ = new QWidget(this);
    auto* errorLayout = new QHBoxLayout(errorRow_);
    errorLayout->setContentsMargins(0, 0, 0, 0);
    errorIcon_ = new QLabel(errorRow_);
    const int iconSize = style()->pixelMetric(QStyle::PM_SmallIconSize);
    errorIcon_->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(iconSize, iconSize));
    errorIcon_->setAlignment(Qt::AlignTop);
    errorLabel_ = new QLabel(errorRow_);
    errorLabel_->setWordWrap(true);
    errorLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    errorLayout->addWidget(errorIcon_);
    errorLayout->addWidget(errorLabel_, 1);
    errorRow_->hide();
    layout->addWidget(errorRow_);

    editor_ = new QPlainTextEdit(this);
    editor_->setTabChangesFocus(true);
    editor_->hide();
    layout->addWidget(editor_);
    editRow_ = new QWidget(this);
    auto* editLayout = new QHBoxLayout(editRow_);
    editLayout->setContentsMargins(0, 0, 0, 0);
    editLayout->addStretch(1);
    editCancel_ = new QPushButton(editRow_);
    editSend_ = new QPushButton(editRow_);
    editSend_->setDefault(true);
    editLayout->addWidget(editCancel_);
    editLayout->addWidget(editSend_);
    editRow_->hide();
    layout->addWidget(editRow_);

    auto* actions = new QHBoxLayout;
    actions->setSpacing(2);
    stopButton_ = actionButton(this, QStringLiteral("process-stop"), QStyle::SP_BrowserStop);
    copyButton_ = actionButton(this, QStringLiteral("edit-copy"), QStyle::SP_FileDialogContentsView);
    regenerateButton_ = actionButton(this, QStringLiteral("view-refresh"), QStyle::SP_BrowserReload);
    editButton_ = actionButton(this, QStringLiteral("document-edit"), QStyle::SP_FileDialogDetailedView);
    statusLabel_ = new QLabel(this);
    statusLabel_->setForegroundRole(QPalette::PlaceholderText);
    actions->addWidget(stopButton_);
    actions->addWidget(editButton_);
    actions->addWidget(copyButton_);
    actions->addWidget(regenerateButton_);
    actions->addStretch(1);
    actions->addWidget(statusLabel_);
    layout->addLayout(actions);

    connect(stopButton_, &QToolButton::clicked, this, &MessageWidget::triggerStop);
    connect(regenerateButton_, &QToolButton::clicked, this, &MessageWidget::triggerRegenerate);
    connect(copyButton_, &QToolButton::clicked, this, &MessageWidget::copyText);
    connect(editButton_, &QToolButton::clicked, this, &MessageWidget::startEditing);
    connect(editCancel_, &QPushButton::clicked, this, &MessageWidget::finishEditing);
    connect(editSend_, &QPushButton::clicked, this, [this] { submitEdit(editor_->toPlainText()); });

    renderTimer_.setSingleShot(true);
    renderTimer_.setInterval(50);
    connect(&renderTimer_, &QTimer::timeout, this, &MessageWidget::render);
    statusTimer_.setInterval(250);
    connect(&statusTimer_, &QTimer::timeout, this, &MessageWidget::updateLiveStatus);

    retranslate();
    updateButtons();
}

void MessageWidget::retranslate() {
    roleLabel_->setText(role_ == app::Role::User ? tr("You") : tr("ImageBind-LLM"));
    stopButton_->setText(tr("Stop"));
    stopButton_->setToolTip(tr("Stop this answer (Esc)"));
    copyButton_->setText(tr("Copy"));
    copyButton_->setToolTip(role_ == app::Role::User ? tr("Copy the question") : tr("Copy the answer as Markdown"));
    regenerateButton_->setText(tr("Regenerate"));
    regenerateButton_->setToolTip(tr("Ask again for a new answer to the same question"));
    editButton_->setText(tr("Edit"));
    editButton_->setToolTip(tr("Change this question and send it again; the messages after it are replaced"));
    editSend_->setText(tr("Send"));
    editCancel_->setText(tr("Cancel"));
    if (!attachments_.isEmpty()) attachmentsLabel_->setText(attachmentsHtml());
    if (streaming_)
        updateLiveStatus();
    else
        setStats(stats_);
}

void MessageWidget::changeEvent(QEvent* event) {
    QFrame::changeEvent(event);
    if (event->type() == QEvent::LanguageChange) retranslate();
}

void MessageWidget::paintEvent(QPaintEvent* event) {
    // Questions sit in a soft bubble, answers on the page, as in most chat apps; both colours
    // come from the palette so that dark themes work.
    if (role_ == app::Role::User) {
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(Qt::NoPen);
        p.setBrush(palette().alternateBase());
        p.drawRoundedRect(rect().adjusted(1, 1, -1, -1), 8, 8);
    }
    QFrame::paintEvent(event);
}

void MessageWidget::setText(const QString& text) {
    text_ = text;
    render();
}

namespace {
// Byte tokens can decode to control characters (random demo weights produce plenty); they
// would show as boxes. Only the display drops them: copies and the database keep the text.
QString displayable(const QString& text) {
    QString out;
    out.reserve(text.size());
    for (QChar c : text)
        if (c.category() != QChar::Other_Control || c == QLatin1Char('\n') || c == QLatin1Char('\t')) out.append(c);
    return out;
}
}  // namespace

void MessageWidget::render() {
    if (role_ == app::Role::User)
        body_->showPlainText(text_);  // questions are shown as typed
    else
        body_->showMarkdown(displayable(text_));
    body_->setVisible(!text_.isEmpty() || role_ == app::Role::User);
    if (streaming_) Q_EMIT streamRendered();
}

QString MessageWidget::attachmentsHtml() const {
    QStringList items;
    for (const app::StoredAttachment& a : attachments_) {
        const QFileInfo fi(a.path);
        QString item = QStringLiteral("<b>%1</b> %2 · %3")
                           .arg(app::modalityDisplayName(a.modality).toHtmlEscaped(), fi.fileName().toHtmlEscaped(),
                                tr("weight %1").arg(QLocale().toString(a.weight, 'f', 2)));
        // A file that moved since is reported here, and again by the engine if it is needed.
        if (!fi.exists()) item += QStringLiteral(" <i>(") + tr("moved or deleted").toHtmlEscaped() + QStringLiteral(")</i>");
        items.append(item);
    }
    return tr("Attached:").toHtmlEscaped() + QLatin1Char(' ') + items.join(QStringLiteral(" &nbsp;|&nbsp; "));
}

void MessageWidget::setAttachments(const QList<app::StoredAttachment>& attachments) {
    attachments_ = attachments;
    attachmentsLabel_->setVisible(!attachments_.isEmpty());
    if (!attachments_.isEmpty()) {
        attachmentsLabel_->setText(attachmentsHtml());
        QStringList paths;
        for (const app::StoredAttachment& a : attachments_) paths.append(a.path);
        attachmentsLabel_->setToolTip(paths.join(QLatin1Char('\n')));
    }
}

void MessageWidget::beginStreaming() {
    streaming_ = true;
    hasError_ = false;
    errorRow_->hide();
    pieces_ = 0;
    text_.clear();
    stats_ = QJsonObject();
    render();
    firstPieceClock_.invalidate();
    statusTimer_.start();
    updateLiveStatus();
    updateButtons();
}

void MessageWidget::appendStreamText(const QString& piece) {
    if (!streaming_) return;
    if (pieces_ == 0) firstPieceClock_.start();
    ++pieces_;
    text_ += piece;
    if (!renderTimer_.isActive()) renderTimer_.start();
}

double MessageWidget::liveTokensPerSecond() const {
    if (pieces_ < 2 || !firstPieceClock_.isValid()) return 0.0;
    const qint64 ms = firstPieceClock_.elapsed();
    return ms > 0 ? 1000.0 * (pieces_ - 1) / double(ms) : 0.0;
}

void MessageWidget::updateLiveStatus() {
    if (!streaming_) return;
    if (pieces_ == 0) {
        statusLabel_->setText(tr("Reading the prompt…"));
        return;
    }
    statusLabel_->setText(tr("Generating… %1 tokens · %2 tokens/s")
                              .arg(pieces_)
                              .arg(QLocale().toString(liveTokensPerSecond(), 'f', 1)));
}

void MessageWidget::finishStreaming(const QJsonObject& stats) {
    streaming_ = false;
    renderTimer_.stop();
    statusTimer_.stop();
    render();
    setStats(stats);
    updateButtons();
}

QString MessageWidget::statusText() const { return statusLabel_->text(); }

void MessageWidget::setStats(const QJsonObject& stats) {
    stats_ = stats;
    if (role_ != app::Role::Assistant || stats.isEmpty()) {
        statusLabel_->clear();
        statusLabel_->setToolTip(QString());
        return;
    }
    const QLocale locale;
    QStringList parts;
    parts.append(tr("%1 tokens").arg(stats.value(QStringLiteral("generated_tokens")).toInt()));
    parts.append(tr("%1 tokens/s").arg(locale.toString(stats.value(QStringLiteral("tokens_per_s")).toDouble(), 'f', 1)));
    if (stats.value(QStringLiteral("cancelled")).toBool()) parts.append(tr("stopped"));
    if (stats.value(QStringLiteral("hit_context_limit")).toBool()) parts.append(tr("context window full"));
    const int dropped = stats.value(QStringLiteral("dropped_turns")).toInt();
    if (dropped > 0) parts.append(tr("%1 earliest turns left out to fit the context").arg(dropped));
    statusLabel_->setText(parts.join(QStringLiteral(" · ")));
    statusLabel_->setToolTip(tr("Prompt: %1 tokens (%2 reused from the previous answer)\n"
                                "Encoding attachments: %3 ms\nReading the prompt: %4 ms\nGenerating: %5 ms")
                                 .arg(stats.value(QStringLiteral("prompt_tokens")).toInt())
                                 .arg(stats.value(QStringLiteral("reused_tokens")).toInt())
                                 .arg(locale.toString(stats.value(QStringLiteral("encode_ms")).toDouble(), 'f', 0))
                                 .arg(locale.toString(stats.value(QStringLiteral("prefill_ms")).toDouble(), 'f', 0))
                                 .arg(locale.toString(stats.value(QStringLiteral("decode_ms")).toDouble(), 'f', 0)));
}

void MessageWidget::showError(const QString& message) {
    streaming_ = false;
    hasError_ = true;
    renderTimer_.stop();
    statusTimer_.stop();
    render();
    errorLabel_->setText(message);
    errorRow_->show();
    statusLabel_->clear();
    updateButtons();
}

void MessageWidget::setRegenerateAvailable(bool available) {
    regenerateAvailable_ = available;
    updateButtons();
}

void MessageWidget::setBusy(bool busy) {
    busy_ = busy;
    updateButtons();
}

void MessageWidget::updateButtons() {
    const bool answer = role_ == app::Role::Assistant;
    stopButton_->setVisible(answer && streaming_);
    copyButton_->setVisible(!streaming_ && !editing_ && !text_.isEmpty());
    regenerateButton_->setVisible(answer && !streaming_ && regenerateAvailable_);
    regenerateButton_->setEnabled(!busy_);
    editButton_->setVisible(!answer && !editing_);
    editButton_->setEnabled(!busy_);
}

void MessageWidget::triggerStop() {
    if (streaming_) Q_EMIT stopRequested();
}

void MessageWidget::triggerRegenerate() {
    if (role_ == app::Role::Assistant && !streaming_ && !busy_) Q_EMIT regenerateRequested();
}

void MessageWidget::copyText() {
    QApplication::clipboard()->setText(text_);
    copyButton_->setText(tr("Copied"));
    QTimer::singleShot(1500, this, [this] { copyButton_->setText(tr("Copy")); });
}

void MessageWidget::startEditing() {
    if (role_ != app::Role::User || busy_) return;
    editing_ = true;
    editor_->setPlainText(text_);
    editor_->setMinimumHeight(qMax(body_->height() + 16, fontMetrics().height() * 3));
    body_->hide();
    editor_->show();
    editRow_->show();
    editor_->setFocus();
    editor_->moveCursor(QTextCursor::End);
    updateButtons();
}

void MessageWidget::finishEditing() {
    editing_ = false;
    editor_->hide();
    editRow_->hide();
    body_->show();
    updateButtons();
}

void MessageWidget::submitEdit(const QString& text) {
    if (text.trimmed().isEmpty() || busy_) return;
    finishEditing();
    Q_EMIT editSubmitted(text);
}

}  // namespace ibllm::ui
