#include "ui/composer.h"

#include <QDateTime>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QImage>
#include <QKeyEvent>
#include <QLabel>
#include <QMimeData>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QStyle>
#include <QTextBlock>
#include <QTextLayout>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#include "ui/attachment_bar.h"
#include "ui/notice_banner.h"
#include "ui/recording_control.h"

namespace ibllm::ui {

namespace {
constexpr int kMaxVisibleLines = 8;

QStringList localFiles(const QMimeData* data) {
    QStringList out;
    if (!data->hasUrls()) return out;
    for (const QUrl& url : data->urls())
        if (url.isLocalFile()) out.append(url.toLocalFile());
    return out;
}
}  // namespace

PromptEdit::PromptEdit(QWidget* parent) : QPlainTextEdit(parent) {
    setTabChangesFocus(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    connect(document(), &QTextDocument::contentsChanged, this, &PromptEdit::fitHeight);
    fitHeight();
}

void PromptEdit::fitHeight() {
    // Grows with the text up to a few lines, then scrolls, like the chat apps' composers.
    int lines = 0;
    for (QTextBlock b = document()->begin(); b.isValid(); b = b.next())
        lines += qMax(1, b.layout() ? b.layout()->lineCount() : 1);
    lines = qBound(2, lines, kMaxVisibleLines);
    const int h = fontMetrics().lineSpacing() * lines + 2 * int(document()->documentMargin()) + frameWidth() * 2 + 4;
    if (h != height()) setFixedHeight(h);
}

bool PromptEdit::onFirstLine() const {
    QTextCursor c = textCursor();
    return !c.movePosition(QTextCursor::Up);
}

bool PromptEdit::onLastLine() const {
    QTextCursor c = textCursor();
    return !c.movePosition(QTextCursor::Down);
}

void PromptEdit::replaceText(const QString& text) {
    setPlainText(text);
    moveCursor(QTextCursor::End);
}

void PromptEdit::keyPressEvent(QKeyEvent* event) {
    const bool enter = event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter;
    if (enter && !(event->modifiers() & Qt::ShiftModifier)) {
        Q_EMIT submitted();
        return;
    }
    if (enter) {  // Shift+Enter: a new line, not a paragraph separator
        insertPlainText(QStringLiteral("\n"));
        return;
    }
    if (event->key() == Qt::Key_Up && event->modifiers() == Qt::NoModifier && onFirstLine()) {
        if (std::optional<QString> older = history_.previous(toPlainText())) replaceText(*older);
        return;
    }
    if (event->key() == Qt::Key_Down && event->modifiers() == Qt::NoModifier && onLastLine() && history_.browsing()) {
        if (std::optional<QString> newer = history_.next()) replaceText(*newer);
        return;
    }
    QPlainTextEdit::keyPressEvent(event);
}

bool PromptEdit::canInsertFromMimeData(const QMimeData* source) const {
    return !localFiles(source).isEmpty() || source->hasImage() || QPlainTextEdit::canInsertFromMimeData(source);
}

void PromptEdit::insertFromMimeData(const QMimeData* source) {
    const QStringList files = localFiles(source);
    if (!files.isEmpty()) {
        Q_EMIT filesPasted(files);
        return;
    }
    if (source->hasImage()) {
        Q_EMIT imagePasted(qvariant_cast<QImage>(source->imageData()));
        return;
    }
    // Rich text from a web page would carry its formatting: take the text only.
    if (source->hasText()) {
        insertPlainText(source->text());
        return;
    }
    QPlainTextEdit::insertFromMimeData(source);
}

Composer::Composer(QWidget* parent) : QWidget(parent) {
    pasteFolder_ = QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).absoluteFilePath(QStringLiteral("pasted"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(12, 6, 12, 8);
    layout->setSpacing(6);

    notice_ = new NoticeBanner(this);
    layout->addWidget(notice_);
    bar_ = new AttachmentBar(this);
    layout->addWidget(bar_);

    auto* row = new QHBoxLayout;
    row->setSpacing(6);
    attach_ = new QToolButton(this);
    attach_->setIcon(QIcon::fromTheme(QStringLiteral("mail-attachment"), style()->standardIcon(QStyle::SP_FileDialogStart)));
    attach_->setToolButtonStyle(Qt::ToolButtonIconOnly);
    editor_ = new PromptEdit(this);
    send_ = new QPushButton(this);
    send_->setDefault(true);
    recorder_ = new RecordingControl(this);
    row->addWidget(attach_, 0, Qt::AlignBottom);
    row->addWidget(recorder_, 0, Qt::AlignBottom);
    row->addWidget(editor_, 1);
    row->addWidget(send_, 0, Qt::AlignBottom);
    layout->addLayout(row);

    hint_ = new QLabel(this);
    hint_->setForegroundRole(QPalette::PlaceholderText);
    QFont small = hint_->font();
    small.setPointSizeF(small.pointSizeF() * 0.9);
    hint_->setFont(small);
    layout->addWidget(hint_);

    connect(editor_, &PromptEdit::submitted, this, &Composer::trySend);
    connect(editor_, &PromptEdit::filesPasted, this, &Composer::attachFiles);
    connect(editor_, &PromptEdit::imagePasted, this, &Composer::attachPastedImage);
    connect(attach_, &QToolButton::clicked, this, &Composer::attachWithDialog);
    connect(recorder_, &RecordingControl::recordingSaved, this, [this](const QString& path) { attachFiles({path}); });
    connect(recorder_, &RecordingControl::problem, this, &Composer::showProblem);
    connect(send_, &QPushButton::clicked, this, [this] {
        if (generating_)
            Q_EMIT stopRequested();
        else
            trySend();
    });
    retranslate();
}

void Composer::retranslate() {
    editor_->setPlaceholderText(tr("Ask a question, or attach files and ask about them"));
    editor_->setAccessibleName(tr("Question"));
    attach_->setToolTip(tr("Attach images, audio, video or point clouds (Ctrl+O)"));
    attach_->setAccessibleName(tr("Attach files"));
    send_->setText(generating_ ? tr("Stop") : tr("Send"));
    send_->setIcon(generating_ ? QIcon::fromTheme(QStringLiteral("process-stop"), style()->standardIcon(QStyle::SP_BrowserStop))
                               : QIcon::fromTheme(QStringLiteral("document-send"), style()->standardIcon(QStyle::SP_ArrowRight)));
    send_->setToolTip(generating_ ? tr("Stop the answer (Esc)")
                                  : (ready_ ? tr("Send the question (Enter)") : tr("The model is not loaded yet")));
    hint_->setText(tr("Enter sends · Shift+Enter starts a new line · Up recalls earlier questions"));
}

void Composer::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::LanguageChange) retranslate();
}

QStringList Composer::attachFiles(const QStringList& paths) {
    const QStringList problems = bar_->addFiles(paths);
    if (!problems.isEmpty())
        showProblem(problems.join(QLatin1Char('\n')));
    else
        notice_->hide();
    return problems;
}

void Composer::showProblem(const QString& message) { notice_->showNotice(NoticeBanner::Kind::Warning, message); }

void Composer::attachPastedImage(const QImage& image) {
    if (image.isNull()) return;
    if (!QDir().mkpath(pasteFolder_)) {
        showProblem(tr("Cannot save the pasted image in %1; check that the folder is writable.").arg(pasteFolder_));
        return;
    }
    const QString path = QDir(pasteFolder_).absoluteFilePath(
        QStringLiteral("pasted-%1.png").arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss-zzz"))));
    if (!image.save(path, "PNG")) {
        showProblem(tr("Cannot save the pasted image as %1.").arg(path));
        return;
    }
    attachFiles({path});
}

void Composer::setGenerating(bool generating) {
    generating_ = generating;
    retranslate();
}

void Composer::setModelReady(bool ready) {
    ready_ = ready;
    retranslate();
}

void Composer::trySend() {
    if (generating_) return;  // Enter while an answer streams keeps the draft
    const QString text = editor_->toPlainText();
    if (text.trimmed().isEmpty()) return;
    if (!ready_) {
        showProblem(tr("The model is not loaded yet; your question stays here until it is."));
        return;
    }
    Q_EMIT sendRequested(text);
}

namespace {
const QString kHistoryKey = QStringLiteral("composer/history");
const QString kAttachDirKey = QStringLiteral("composer/attach_dir");
}  // namespace

void Composer::keepIn(QSettings& settings) {
    settings_ = &settings;
    editor_->history().setEntries(settings.value(kHistoryKey).toStringList());
    attachDir_ = settings.value(kAttachDirKey, QDir::homePath()).toString();
}

void Composer::attachWithDialog() {
    const QString start = attachDir_.isEmpty() ? QDir::homePath() : attachDir_;
    const QStringList files = QFileDialog::getOpenFileNames(this, tr("Attach files"), start, AttachmentBar::fileDialogFilter());
    if (files.isEmpty()) return;
    attachDir_ = QFileInfo(files.first()).absolutePath();
    if (settings_) settings_->setValue(kAttachDirKey, attachDir_);
    attachFiles(files);
    editor_->setFocus();
}

QList<app::AttachmentSpec> Composer::takeQuestion() {
    QList<app::AttachmentSpec> attachments = bar_->attachments();
    if (const QString clip = recorder_->takeLiveClip(); !clip.isEmpty())
        attachments.append(app::AttachmentSpec{ibllm::Modality::Audio, clip, 1.0, QString()});
    editor_->history().add(editor_->toPlainText());
    if (settings_) settings_->setValue(kHistoryKey, editor_->history().entries());
    editor_->clear();
    bar_->clear();
    notice_->hide();
    return attachments;
}

}  // namespace ibllm::ui
