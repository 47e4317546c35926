#include "app/system_prompt_presets.h"

#include <QCoreApplication>

namespace ibllm::app {

QList<SystemPromptPreset> systemPromptPresets() {
    // Spelled out per string (not through a helper) so that lupdate finds each with its context.
    return {
        {QCoreApplication::translate("SystemPromptPresets", "None"), QString()},
        {QCoreApplication::translate("SystemPromptPresets", "Answer briefly"),
         QCoreApplication::translate("SystemPromptPresets", "Answer in one or two short sentences.")},
        {QCoreApplication::translate("SystemPromptPresets", "Describe in detail"),
         QCoreApplication::translate("SystemPromptPresets",
                                     "Describe in detail what the attached files show or sound like: the objects, their "
                                     "colours and shapes, where they are, and any sounds.")},
        {QCoreApplication::translate("SystemPromptPresets", "Answer in Chinese"),
         QCoreApplication::translate("SystemPromptPresets", "Answer in Simplified Chinese.")},
        {QCoreApplication::translate("SystemPromptPresets", "Answer in English"),
         QCoreApplication::translate("SystemPromptPresets", "Answer in English.")},
    };
}

}  // namespace ibllm::app
