#include "ui/markdown_view.h"

#include <QAbstractTextDocumentLayout>
#include <QEvent>
#include <QFontDatabase>
#include <QScrollBar>
#include <QTextBlock>
#include <QTextCursor>
#include <QtMath>

namespace ibllm::ui {

MarkdownView::MarkdownView(QWidget* parent) : QTextBrowser(parent) {
    setReadOnly(true);
    setOpenExternalLinks(true);
    setFrameShape(QFrame::NoFrame);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setTextInteractionFlags(Qt::TextBrowserInteraction | Qt::TextSelectableByKeyboard);
    // The view sits on the message's background rather than drawing a white text box.
    viewport()->setAutoFillBackground(false);
    setAutoFillBackground(false);
    document()->setDocumentMargin(2);
}

void MarkdownView::showMarkdown(const QString& markdown) {
    markdown_ = true;
    source_ = markdown;
    document()->setMarkdown(markdown, QTextDocument::MarkdownDialectGitHub);
    styleCodeBlocks();
    fitHeight();
}

void MarkdownView::showPlainText(const QString& text) {
    markdown_ = false;
    source_ = text;
    document()->setPlainText(text);
    fitHeight();
}

void MarkdownView::styleCodeBlocks() {
    // Qt's Markdown reader marks fenced and indented code with these block properties and a
    // fixed-pitch font, but gives them no background; without one, code reads like prose.
    const QColor background = palette().color(QPalette::AlternateBase);
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    QTextCursor cursor(document());
    cursor.beginEditBlock();
    for (QTextBlock block = document()->begin(); block.isValid(); block = block.next()) {
        QTextBlockFormat format = block.blockFormat();
        const bool code = format.hasProperty(QTextFormat::BlockCodeFence) ||
                          format.hasProperty(QTextFormat::BlockCodeLanguage) || block.charFormat().fontFixedPitch();
        if (!code) continue;
        format.setBackground(background);
        format.setLeftMargin(6);
        format.setRightMargin(6);
        cursor.setPosition(block.position());
        cursor.setBlockFormat(format);
        cursor.setPosition(block.position() + block.length() - 1, QTextCursor::KeepAnchor);
        QTextCharFormat chars;
        chars.setFont(mono);
        cursor.mergeCharFormat(chars);
    }
    cursor.endEditBlock();
}

void MarkdownView::fitHeight() {
    document()->setTextWidth(viewport()->width());
    const int h = qCeil(document()->documentLayout()->documentSize().height()) + frameWidth() * 2 +
                  contentsMargins().top() + contentsMargins().bottom();
    if (h != height()) {
        setFixedHeight(qMax(h, fontMetrics().height()));
        updateGeometry();
    }
}

QSize MarkdownView::sizeHint() const { return QSize(QTextBrowser::sizeHint().width(), height()); }

QSize MarkdownView::minimumSizeHint() const { return QSize(80, height()); }

void MarkdownView::resizeEvent(QResizeEvent* event) {
    QTextBrowser::resizeEvent(event);
    fitHeight();
}

void MarkdownView::changeEvent(QEvent* event) {
    QTextBrowser::changeEvent(event);
    // A theme switch changes the palette: re-render so code blocks take the new colours.
    if (event->type() == QEvent::PaletteChange && markdown_) showMarkdown(source_);
}

}  // namespace ibllm::ui
