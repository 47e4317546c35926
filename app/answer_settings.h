#pragma once
// The per-answer settings of the side panel (sampling, answer language, visual cache),
// remembered between runs.
#include <QSettings>

#include "engine/engine.h"

namespace ibllm::app {

struct AnswerSettings {
    ibllm::SamplingSettings sampling;  // the reference demo's defaults: 0.1 / 0.75
    ibllm::CacheSettings cache;        // k = 10, t = 20, w = 0.5
    ibllm::AnswerLanguage language = ibllm::AnswerLanguage::Auto;
};

// Out-of-range values in a hand-edited file are clamped to what the panel allows.
AnswerSettings loadAnswerSettings(const QSettings& settings);
void saveAnswerSettings(QSettings& settings, const AnswerSettings& answer);

}  // namespace ibllm::app
