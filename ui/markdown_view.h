#pragma once
// A read-only text view that renders Markdown (GitHub dialect: code blocks, lists, tables)
// and is exactly as tall as its text, so that messages stack in the chat's scroll area.
// Code blocks get the palette's alternate background, so they follow light and dark themes.
#include <QTextBrowser>

namespace ibllm::ui {

class MarkdownView : public QTextBrowser {
    Q_OBJECT
public:
    explicit MarkdownView(QWidget* parent = nullptr);

    void showMarkdown(const QString& markdown);
    void showPlainText(const QString& text);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void styleCodeBlocks();
    void fitHeight();

    bool markdown_ = false;
    QString source_;
};

}  // namespace ibllm::ui
