#pragma once
// Checks the model files a user picked before anything is loaded, so that a wrong choice is
// one clear sentence next to the field it concerns ("this is a LLaMA-13B params.json;
// ImageBind-LLM needs 7B") instead of a failed load a minute later. Only cheap checks: file
// kinds, magic bytes and params.json; the engine still validates every tensor when loading.
#include <QString>
#include <QStringList>

#include "engine/engine.h"

namespace ibllm::app {

struct ModelCheck {
    // One sentence per field when something is wrong; empty when the field is fine.
    QString llama, tokenizer, adapter, imagebind, cache;
    // What the LLaMA folder holds when it is usable ("LLaMA-7B", "the demo model").
    QString llamaDescription;
    bool ok() const;
    QStringList problems() const;
};

// With ModelPaths::onellm_dir set, only that folder is checked (OneLLM needs nothing else).
ModelCheck checkModelPaths(const ibllm::ModelPaths& paths);

// Whether `dir` holds a OneLLM checkpoint (consolidated.00-of-01.pth), by its name alone.
bool isOnellmFolder(const QString& dir);

// The folder to use when the user picks the top of a LLaMA download (the one holding 7B/ and
// tokenizer.model): its 7B or 7B_chinese subfolder. Otherwise `dir` itself.
QString resolveLlamaFolder(const QString& dir);
// tokenizer.model in `llamaDir` or its parent (where Meta's download puts it); empty if none.
QString findTokenizerNear(const QString& llamaDir);

}  // namespace ibllm::app
