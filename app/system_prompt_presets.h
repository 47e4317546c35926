#pragma once
// The built-in system prompts offered next to the editor, in the interface's language (the
// bilingual model follows instructions in either).
#include <QList>
#include <QString>

namespace ibllm::app {

struct SystemPromptPreset {
    QString name;  // what the list shows
    QString text;  // what the model is given; empty: no system prompt
};

// "None" first; then the presets, translated when a translation is installed.
QList<SystemPromptPreset> systemPromptPresets();

}  // namespace ibllm::app
