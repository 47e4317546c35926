#include "app/model_validation.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

#include "app/engine_types.h"

namespace ibllm::app {

namespace {

struct ModelCheckMessages {
    Q_DECLARE_TR_FUNCTIONS(ModelCheckMessages)
};

QString native(const QString& path) { return QDir::toNativeSeparators(path); }

QByteArray head(const QString& path, int n) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.read(n);
}

// torch.save() since 1.6 writes a zip archive; the engine reads only that format.
bool looksLikeTorchZip(const QString& path) { return head(path, 4) == QByteArray("PK\x03\x04", 4); }

// A missing/unreadable/wrong-kind file as one sentence; empty when it is a readable file.
QString fileProblem(const QString& path, const QString& what) {
    const QFileInfo fi(path);
    if (!fi.exists()) return ModelCheckMessages::tr("%1 does not exist; choose %2.").arg(native(path), what);
    if (fi.isDir()) return ModelCheckMessages::tr("%1 is a folder; choose %2 inside it.").arg(native(path), what);
    if (!fi.isReadable()) return ModelCheckMessages::tr("%1 cannot be read; check its permissions.").arg(native(path));
    if (fi.size() == 0) return ModelCheckMessages::tr("%1 is empty; download it again.").arg(native(path));
    return QString();
}

QString sizeName(qint64 dim) {
    switch (dim) {
        case 4096: return QStringLiteral("LLaMA-7B");
        case 5120: return QStringLiteral("LLaMA-13B");
        case 6656: return QStringLiteral("LLaMA-33B");
        case 8192: return QStringLiteral("LLaMA-65B");
        default: return QString();
    }
}

QString checkLlamaFolder(const QString& dir, QString* description) {
    const QString what = ModelCheckMessages::tr("the LLaMA-7B folder (it holds params.json and consolidated.00.pth)");
    if (dir.isEmpty()) return ModelCheckMessages::tr("Choose %1.").arg(what);
    const QFileInfo fi(dir);
    if (!fi.exists()) return ModelCheckMessages::tr("%1 does not exist; choose %2.").arg(native(dir), what);
    if (!fi.isDir()) return ModelCheckMessages::tr("%1 is a file; choose the folder that holds params.json and consolidated.00.pth.").arg(native(dir));
    const QDir d(dir);
    if (!d.exists(QStringLiteral("params.json"))) {
        const QString sub = resolveLlamaFolder(dir);
        if (sub != dir)
            return ModelCheckMessages::tr("%1 has no params.json, but %2 has; choose that folder.").arg(native(dir), native(sub));
        return ModelCheckMessages::tr("%1 has no params.json; choose %2.").arg(native(dir), what);
    }
    const QString paramsPath = d.absoluteFilePath(QStringLiteral("params.json"));
    QFile file(paramsPath);
    if (!file.open(QIODevice::ReadOnly)) return ModelCheckMessages::tr("%1 cannot be read; check its permissions.").arg(native(paramsPath));
    QJsonParseError error;
    const QJsonDocument json = QJsonDocument::fromJson(file.read(1 << 20), &error);
    if (error.error != QJsonParseError::NoError || !json.isObject())
        return ModelCheckMessages::tr("%1 is not valid JSON (%2); download it again.").arg(native(paramsPath), error.errorString());
    const QJsonObject params = json.object();
    const qint64 dim = params.value(QStringLiteral("dim")).toInteger(0);
    const qint64 layers = params.value(QStringLiteral("n_layers")).toInteger(0);
    if (dim <= 0 || layers <= 0)
        return ModelCheckMessages::tr("%1 has no dim or n_layers; it is not a LLaMA params.json.").arg(native(paramsPath));
    const bool demo = is_demo_model(toStd(dir));
    if (!demo) {
        const QString name = sizeName(dim);
        if (name != QLatin1String("LLaMA-7B") || layers != 32) {
            const QString found = name.isEmpty() ? ModelCheckMessages::tr("a model with dim %1 and %2 layers").arg(dim).arg(layers)
                                                 : ModelCheckMessages::tr("a %1 params.json").arg(name);
            return ModelCheckMessages::tr("This is %1; ImageBind-LLM needs LLaMA-7B (dim 4096, 32 layers).").arg(found);
        }
    }
    if (!d.exists(QStringLiteral("consolidated.00.pth")))
        return ModelCheckMessages::tr("%1 has params.json but no consolidated.00.pth; download the weights into it.").arg(native(dir));
    const QString weights = d.absoluteFilePath(QStringLiteral("consolidated.00.pth"));
    if (!looksLikeTorchZip(weights))
        return ModelCheckMessages::tr("%1 is not a PyTorch checkpoint (a zip written by torch.save); download it again.").arg(native(weights));
    *description = demo ? ModelCheckMessages::tr("the demo model (random weights)") : QStringLiteral("LLaMA-7B");
    return QString();
}

QString checkCheckpoint(const QString& path, const QString& what) {
    QString problem = fileProblem(path, what);
    if (!problem.isEmpty()) return problem;
    if (!looksLikeTorchZip(path))
        return ModelCheckMessages::tr("%1 is not a PyTorch checkpoint (a zip written by torch.save); choose %2.").arg(native(path), what);
    return QString();
}

}  // namespace

bool ModelCheck::ok() const { return problems().isEmpty(); }

QStringList ModelCheck::problems() const {
    QStringList out;
    for (const QString* s : {&llama, &tokenizer, &adapter, &imagebind, &cache})
        if (!s->isEmpty()) out.append(*s);
    return out;
}

QString resolveLlamaFolder(const QString& dir) {
    const QDir d(dir);
    if (dir.isEmpty() || d.exists(QStringLiteral("params.json"))) return dir;
    for (const QString& sub : {QStringLiteral("7B"), QStringLiteral("7B_chinese"), QStringLiteral("llama-7b")})
        if (QFileInfo::exists(d.absoluteFilePath(sub + QStringLiteral("/params.json")))) return d.absoluteFilePath(sub);
    return dir;
}

QString findTokenizerNear(const QString& llamaDir) {
    if (llamaDir.isEmpty()) return QString();
    QDir d(llamaDir);
    for (int up = 0; up < 2; ++up) {
        if (d.exists(QStringLiteral("tokenizer.model"))) return d.absoluteFilePath(QStringLiteral("tokenizer.model"));
        if (!d.cdUp()) break;
    }
    return QString();
}

bool isOnellmFolder(const QString& dir) {
    if (dir.isEmpty() || !QFileInfo(dir).isDir()) return false;
    return !QDir(dir).entryList({QStringLiteral("consolidated.*-of-*.pth")}, QDir::Files).isEmpty();
}

ModelCheck checkModelPaths(const ibllm::ModelPaths& paths) {
    ModelCheck c;
    if (!paths.onellm_dir.empty()) {
        try {
            find_model_folder(paths.onellm_dir, "onellm");  // the files it needs, by name
            c.llamaDescription = QStringLiteral("OneLLM");  // not translated: a model's name
        } catch (const Error& e) {
            c.llama = QString::fromStdString(e.what());
        }
        return c;
    }
    c.llama = checkLlamaFolder(fromStd(paths.llama_dir), &c.llamaDescription);

    const QString tokenizer = fromStd(paths.tokenizer);
    const QString tokenizerWhat = ModelCheckMessages::tr("LLaMA's tokenizer.model");
    if (tokenizer.isEmpty()) {
        c.tokenizer = ModelCheckMessages::tr("Choose %1 (it sits next to the 7B folder in the LLaMA download).").arg(tokenizerWhat);
    } else {
        c.tokenizer = fileProblem(tokenizer, tokenizerWhat);
        // A SentencePiece model is a protobuf whose first field is the piece list (tag 0x0a).
        if (c.tokenizer.isEmpty() && head(tokenizer, 1) != QByteArray("\x0a", 1))
            c.tokenizer = ModelCheckMessages::tr("%1 is not a SentencePiece model; choose %2.").arg(native(tokenizer), tokenizerWhat);
    }

    const QString adapter = fromStd(paths.adapter);
    const QString adapterWhat = ModelCheckMessages::tr("the ImageBind-LLM adapter checkpoint (7B.pth)");
    c.adapter = adapter.isEmpty() ? ModelCheckMessages::tr("Choose %1.").arg(adapterWhat) : checkCheckpoint(adapter, adapterWhat);

    const QString imagebind = fromStd(paths.imagebind);
    if (!imagebind.isEmpty()) c.imagebind = checkCheckpoint(imagebind, ModelCheckMessages::tr("the ImageBind checkpoint (imagebind_w3D.pth)"));

    const QString cache = fromStd(paths.cache);
    if (!cache.isEmpty()) c.cache = fileProblem(cache, ModelCheckMessages::tr("the visual cache (knn.index)"));
    return c;
}

}  // namespace ibllm::app
