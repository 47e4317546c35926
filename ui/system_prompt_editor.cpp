#include "ui/system_prompt_editor.h"

#include <QComboBox>
#include <QEvent>
#include <QLabel>
#include <QPlainTextEdit>
#include <QScopedValueRollback>
#include <QTimer>
#include <QVBoxLayout>

#include "app/system_prompt_presets.h"

namespace ibllm::ui {

namespace {
constexpr int kCustom = -1;  // the list's last item, shown while the text matches no preset
}

SystemPromptEditor::SystemPromptEditor(QWidget* parent) : QGroupBox(parent) {
    auto* layout = new QVBoxLayout(this);
    presets_ = new QComboBox(this);
    edit_ = new QPlainTextEdit(this);
    edit_->setTabChangesFocus(true);
    edit_->setFixedHeight(edit_->fontMetrics().lineSpacing() * 4 + 12);
    note_ = new QLabel(this);
    note_->setWordWrap(true);
    note_->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(presets_);
    layout->addWidget(edit_);
    layout->addWidget(note_);

    // An edit is reported once typing pauses, not for every key.
    typing_ = new QTimer(this);
    typing_->setSingleShot(true);
    typing_->setInterval(500);
    connect(typing_, &QTimer::timeout, this, [this] { Q_EMIT edited(text()); });
    connect(edit_, &QPlainTextEdit::textChanged, this, [this] {
        if (updating_) return;
        showMatchingPreset();
        typing_->start();
    });
    connect(presets_, &QComboBox::activated, this, &SystemPromptEditor::choosePreset);
    retranslate();
}

QString SystemPromptEditor::text() const { return edit_->toPlainText(); }

void SystemPromptEditor::setText(const QString& text) {
    if (text == this->text()) return;
    typing_->stop();
    const QScopedValueRollback<bool> guard(updating_, true);
    edit_->setPlainText(text);
    showMatchingPreset();
}

void SystemPromptEditor::choosePreset(int index) {
    const QList<app::SystemPromptPreset> presets = app::systemPromptPresets();
    if (index < 0 || index >= presets.size()) return;  // "Custom" keeps the text
    {
        const QScopedValueRollback<bool> guard(updating_, true);
        edit_->setPlainText(presets[index].text);
    }
    typing_->stop();
    Q_EMIT edited(text());
}

void SystemPromptEditor::showMatchingPreset() {
    const QList<app::SystemPromptPreset> presets = app::systemPromptPresets();
    const QString current = text().trimmed();
    int match = kCustom;
    for (int i = 0; i < presets.size(); ++i)
        if (presets[i].text == current) match = i;
    presets_->setCurrentIndex(match == kCustom ? presets_->count() - 1 : match);
}

void SystemPromptEditor::retranslate() {
    setTitle(tr("System prompt"));
    setToolTip(tr("Standing instructions for this conversation, kept with it"));
    const QList<app::SystemPromptPreset> presets = app::systemPromptPresets();
    {
        const QScopedValueRollback<bool> guard(updating_, true);
        presets_->clear();
        for (const app::SystemPromptPreset& p : presets) presets_->addItem(p.name);
        presets_->addItem(tr("Custom"));
    }
    edit_->setPlaceholderText(tr("For example: Answer briefly."));
    note_->setText(tr("Given to the model as the context of the conversation's first question (the \"Input\" of its "
                      "prompt); a new chat starts with the one before it."));
    showMatchingPreset();
}

void SystemPromptEditor::changeEvent(QEvent* event) {
    QGroupBox::changeEvent(event);
    if (event->type() == QEvent::LanguageChange) retranslate();
}

}  // namespace ibllm::ui
