#include "app/model_config.h"

#include <QDir>
#include <QStandardPaths>

#include "app/engine_types.h"

namespace ibllm::app {

ModelConfig loadModelConfig(const QSettings& s) {
    ModelConfig c;
    c.paths.llama_dir = toStd(s.value(QStringLiteral("model/llama")).toString());
    c.paths.tokenizer = toStd(s.value(QStringLiteral("model/tokenizer")).toString());
    c.paths.adapter = toStd(s.value(QStringLiteral("model/adapter")).toString());
    c.paths.imagebind = toStd(s.value(QStringLiteral("model/imagebind")).toString());
    c.paths.cache = toStd(s.value(QStringLiteral("model/cache")).toString());
    c.paths.onellm_dir = toStd(s.value(QStringLiteral("model/onellm")).toString());
    try {
        c.options.precision = parse_precision(toStd(s.value(QStringLiteral("model/precision"), QStringLiteral("auto")).toString()));
    } catch (const Error&) {
        c.options.precision = Precision::Auto;  // a hand-edited settings file; not worth a message
    }
    try {
        c.options.weight_format = parse_weight_format(toStd(s.value(QStringLiteral("model/weights"), QStringLiteral("bf16")).toString()));
    } catch (const Error&) {
        c.options.weight_format = WeightFormat::Bf16;
    }
    c.options.threads = qMax(0, s.value(QStringLiteral("model/threads"), 0).toInt());
    c.options.context = qBound(256, s.value(QStringLiteral("model/context"), 2048).toInt(), 2048);
    return c;
}

void saveModelConfig(QSettings& s, const ModelConfig& c) {
    s.setValue(QStringLiteral("model/llama"), fromStd(c.paths.llama_dir));
    s.setValue(QStringLiteral("model/tokenizer"), fromStd(c.paths.tokenizer));
    s.setValue(QStringLiteral("model/adapter"), fromStd(c.paths.adapter));
    s.setValue(QStringLiteral("model/imagebind"), fromStd(c.paths.imagebind));
    s.setValue(QStringLiteral("model/cache"), fromStd(c.paths.cache));
    s.setValue(QStringLiteral("model/onellm"), fromStd(c.paths.onellm_dir));
    s.setValue(QStringLiteral("model/precision"), fromStd(to_string(c.options.precision)));
    s.setValue(QStringLiteral("model/weights"), fromStd(to_string(c.options.weight_format)));
    s.setValue(QStringLiteral("model/threads"), c.options.threads);
    s.setValue(QStringLiteral("model/context"), c.options.context);
}

QString defaultDemoModelDir() {
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).absoluteFilePath(QStringLiteral("demo-model"));
}

}  // namespace ibllm::app
