#pragma once
// The current conversation's system prompt: a list of presets and the text itself, which the
// user may edit freely. It shows what the chat session holds and reports the user's edits;
// setting the text from outside reports nothing.
#include <QGroupBox>

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QTimer;

namespace ibllm::ui {

class SystemPromptEditor : public QGroupBox {
    Q_OBJECT
public:
    explicit SystemPromptEditor(QWidget* parent = nullptr);

    QString text() const;
    void setText(const QString& text);

    QComboBox* presetBox() const { return presets_; }
    QPlainTextEdit* editor() const { return edit_; }

Q_SIGNALS:
    // The user chose a preset or stopped typing for a moment.
    void edited(const QString& text);

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    void showMatchingPreset();
    void choosePreset(int index);

    QComboBox* presets_;
    QPlainTextEdit* edit_;
    QLabel* note_;
    QTimer* typing_;
    bool updating_ = false;
};

}  // namespace ibllm::ui
