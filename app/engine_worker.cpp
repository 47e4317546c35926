#include "app/engine_worker.h"

#include "app/attachment_decoder.h"

#include <QDir>
#include <QFileInfo>

namespace ibllm::app {

std::vector<float> precomputedEmbeddingOnly(Engine& engine, const Attachment& attachment) {
    // OneLLM has no embedding to give precomputed; its .npy files are fMRI, points and IMU.
    if (!engine.is_onellm() && QFileInfo(fromStd(attachment.path)).suffix().compare(QLatin1String("npy"), Qt::CaseInsensitive) == 0) {
        try {
            return read_embedding_npy(attachment.path);
        } catch (const Error&) {
            // Not a single vector (e.g. a point cloud saved as .npy): leave it to the encoders.
        }
    }
    return {};
}

std::vector<float> embeddingOrEncodedFile(Engine& engine, const Attachment& attachment) {
    std::vector<float> v = precomputedEmbeddingOnly(engine, attachment);
    return v.empty() ? encode_for_ask(engine, attachment.modality, attachment.path) : v;
}

EngineWorker::EngineWorker(QObject* parent) : QObject(parent) { registerEngineMetaTypes(); }

EngineWorker::~EngineWorker() = default;

void EngineWorker::setAttachmentEncoder(AttachmentEncoder encoder) {
    encoder_ = encoder ? std::move(encoder) : AttachmentEncoder(precomputedEmbeddingOnly);
}

void EngineWorker::cancel(quint64 requestId) {
    std::lock_guard<std::mutex> cancelLock(cancelMutex_);
    cancelled_.insert(requestId);
    // Engine::ask() clears its flag when it starts, so a cancel that lands before the
    // request begins is caught again by the token callback through isCancelled().
    if (running_ != requestId) return;
    std::unique_lock<std::mutex> lock(engineSwap_, std::try_to_lock);
    if (lock.owns_lock()) engine_.cancel();
}

void EngineWorker::cancelAll() {
    cancelAll_.store(true);
    std::unique_lock<std::mutex> lock(engineSwap_, std::try_to_lock);
    if (lock.owns_lock()) engine_.cancel();
}

bool EngineWorker::isCancelled(quint64 requestId) {
    if (cancelAll_.load()) return true;
    std::lock_guard<std::mutex> lock(cancelMutex_);
    return cancelled_.count(requestId) != 0;
}

void EngineWorker::setRunning(quint64 requestId) {
    std::lock_guard<std::mutex> lock(cancelMutex_);
    if (requestId == 0) cancelled_.erase(running_);
    running_ = requestId;
}

void EngineWorker::cancelLoading() { loadCancelRequested_.store(true); }

ibllm::ModelPaths EngineWorker::demoModelPaths(const QString& dir) {
    const QDir d(dir);
    ibllm::ModelPaths p;
    p.llama_dir = toStd(d.absolutePath());
    p.tokenizer = toStd(d.absoluteFilePath(QStringLiteral("tokenizer.model")));
    p.adapter = toStd(d.absoluteFilePath(QStringLiteral("adapter.pth")));
    p.cache = toStd(d.absoluteFilePath(QStringLiteral("knn.index")));
    return p;
}

void EngineWorker::reportProgress(const std::string& stage, double fraction) {
    // Throwing out of the engine's progress callback is how a load is abandoned: the engine
    // builds the new model aside and swaps it in only at the end, so nothing is half-loaded.
    if (loadCancelRequested_.load()) throw Cancelled();
    Q_EMIT progress(fromStd(stage), fraction);
}

void EngineWorker::runLoad(const std::function<void()>& body) {
    try {
        if (loadCancelRequested_.load()) throw Cancelled();
        body();
        loadCancelRequested_.store(false);
        Q_EMIT loaded(engine_.info());
    } catch (const Cancelled&) {
        loadCancelRequested_.store(false);
        Q_EMIT loadFailed(tr("Loading was cancelled."), true);
    } catch (const Error& e) {
        loadCancelRequested_.store(false);
        Q_EMIT loadFailed(QString::fromUtf8(e.what()), false);
    } catch (const std::bad_alloc&) {
        loadCancelRequested_.store(false);
        Q_EMIT loadFailed(tr("There is not enough memory to load this model; close other programs or choose bf16 precision."),
                          false);
    } catch (const std::exception& e) {
        loadCancelRequested_.store(false);
        Q_EMIT loadFailed(tr("Loading failed with an internal error: %1").arg(QString::fromUtf8(e.what())), false);
    }
}

void EngineWorker::loadModels(const ibllm::ModelPaths& paths, const ibllm::LoadOptions& options) {
    runLoad([&] {
        std::lock_guard<std::mutex> lock(engineSwap_);
        engine_.load(paths, options, [this](const std::string& stage, double f) { reportProgress(stage, f); });
    });
}

void EngineWorker::loadDemoModel(const QString& dir, const ibllm::LoadOptions& options) {
    runLoad([&] {
        const std::string folder = toStd(QDir(dir).absolutePath());
        if (!is_demo_model(folder)) {
            if (!QDir().mkpath(dir))
                throw Error(toStd(tr("Cannot create the folder %1 for the demo model; check that it is writable.").arg(dir)));
            // Writing takes a second or two; it gets the first fifth of the bar.
            write_demo_model(folder, [this](const std::string& stage, double f) { reportProgress(stage, 0.2 * f); });
        }
        std::lock_guard<std::mutex> lock(engineSwap_);
        engine_.load(demoModelPaths(dir), options,
                     [this](const std::string& stage, double f) { reportProgress(stage, 0.2 + 0.8 * f); });
    });
}

void EngineWorker::runRequest(quint64 requestId, const QString& outOfMemory, const std::function<void()>& body,
                              const std::function<void()>& onCancelled) {
    setRunning(requestId);
    try {
        if (isCancelled(requestId)) throw Cancelled();
        body();
    } catch (const Cancelled&) {
        onCancelled();
    } catch (const Error& e) {
        Q_EMIT failed(requestId, QString::fromUtf8(e.what()));
    } catch (const std::bad_alloc&) {
        Q_EMIT failed(requestId, outOfMemory);
    } catch (const std::exception& e) {
        Q_EMIT failed(requestId, tr("The engine failed with an internal error: %1").arg(QString::fromUtf8(e.what())));
    }
    setRunning(0);
}

void EngineWorker::ask(quint64 requestId, const ibllm::AskRequest& request) {
    const auto cancelled = [&] {
        AskStats s;
        s.cancelled = true;
        Q_EMIT finished(requestId, s);
    };
    runRequest(
        requestId, tr("The engine ran out of memory; lower the max tokens or close other programs."),
        [&] {
            AskRequest r = request;
            for (Attachment& a : r.attachments) {
                if (isCancelled(requestId)) throw Cancelled();
                if (a.embedding.empty()) a.embedding = encoder_(engine_, a);
            }
            AskStats stats = engine_.ask(r, [&](const std::string& text) {
                if (isCancelled(requestId)) engine_.cancel();  // same thread: always safe
                Q_EMIT token(requestId, QString::fromUtf8(text.data(), static_cast<int>(text.size())));
            });
            Q_EMIT finished(requestId, stats);
        },
        cancelled);
}

void EngineWorker::embed(quint64 requestId, const std::vector<EmbedInput>& inputs) {
    runRequest(
        requestId, tr("The engine ran out of memory while embedding; send fewer or smaller files."),
        [&] {
            std::vector<std::vector<float>> out;
            out.reserve(inputs.size());
            int textTokens = 0;
            for (const EmbedInput& in : inputs) {
                if (isCancelled(requestId)) throw Cancelled();
                if (in.modality == Modality::Text) {
                    EncoderInput text;
                    text.modality = Modality::Text;
                    text.source = "text";
                    text.text = in.text;
                    out.push_back(engine_.embed(text));
                    textTokens += engine_.text_tokens(in.text);
                } else {
                    Attachment a;
                    a.modality = in.modality;
                    a.path = in.path;
                    out.push_back(embeddingOrEncodedFile(engine_, a));
                }
            }
            Q_EMIT embedded(requestId, out, textTokens);
        },
        // An embedding has no partial result to keep: a cancelled one ends as a failure.
        [&] { Q_EMIT failed(requestId, tr("The request was cancelled.")); });
}

void EngineWorker::resetConversation() { engine_.reset_conversation(); }

}  // namespace ibllm::app
