#pragma once
// Which model files the desktop app loads, remembered between runs (QSettings), and where
// the demo model lives when none is configured.
#include <QSettings>
#include <QString>

#include "engine/engine.h"

namespace ibllm::app {

struct ModelConfig {
    ibllm::ModelPaths paths;
    ibllm::LoadOptions options;
    // False until the user has chosen real weights: the app then runs the demo model.
    bool configured() const { return !paths.llama_dir.empty() || !paths.onellm_dir.empty(); }
};

ModelConfig loadModelConfig(const QSettings& settings);
void saveModelConfig(QSettings& settings, const ModelConfig& config);

// QStandardPaths::AppDataLocation/demo-model (the folder scripts/run.sh uses too).
QString defaultDemoModelDir();

}  // namespace ibllm::app
