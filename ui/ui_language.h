#pragma once
// The interface language: English (the source strings) or Simplified Chinese (compiled into
// the program from i18n/imagebind-llm_zh_CN.ts). "system" follows the system locale.
#include <QString>

namespace ibllm::ui {

// "en" or "zh_CN" for a choice of "system", "en" or "zh_CN".
QString resolveUiLanguage(const QString& choice);

// Installs the translators for `choice` (replacing earlier ones); open widgets retranslate
// on the LanguageChange event this sends. Returns the language in effect; "en" when the
// Chinese translation could not be loaded.
QString applyUiLanguage(const QString& choice);

}  // namespace ibllm::ui
