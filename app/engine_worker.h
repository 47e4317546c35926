#pragma once
// The engine worker: a QObject that lives in its own QThread (see EngineThread), owns the
// ibllm::Engine and runs everything slow there: writing the demo model, loading, encoding
// attachments and generating. The UI talks to it through queued signals only and never
// waits on it; the single exception is cancelling, which must act while the worker thread
// is busy inside the engine and so is a direct, thread-safe call.
#include <QObject>
#include <QString>
#include <atomic>
#include <functional>
#include <mutex>
#include <set>
#include <vector>

#include "app/engine_types.h"
#include "engine/engine.h"

namespace ibllm::app {

// Turns an attachment's file into its ImageBind embedding, on the worker thread, before the
// engine is asked. Throws ibllm::Error (one sentence naming the file) when it cannot.
using AttachmentEncoder = std::function<std::vector<float>(Engine& engine, const Attachment& attachment)>;

// The encoder used until another is set: a .npy holding one [D] or [1, D] vector is taken
// as a precomputed ImageBind embedding; any other file is left for the engine, which then
// explains what it needs.
std::vector<float> precomputedEmbeddingOnly(Engine& engine, const Attachment& attachment);

// What the front ends set: a .npy holding one vector is a precomputed embedding; any other
// file is decoded by media/ and encoded by ImageBind (app/attachment_decoder).
std::vector<float> embeddingOrEncodedFile(Engine& engine, const Attachment& attachment);

// One thing to embed on its own (not fused): a text, or a file of `modality` at `path`.
struct EmbedInput {
    ibllm::Modality modality = ibllm::Modality::Text;
    std::string text;  // for Modality::Text
    std::string path;  // for the others
};

class EngineWorker : public QObject {
    Q_OBJECT
public:
    explicit EngineWorker(QObject* parent = nullptr);
    ~EngineWorker() override;

    // Set before the first ask() (it is read on the worker thread without a lock).
    void setAttachmentEncoder(AttachmentEncoder encoder);

    // Thread-safe. Stops request `requestId` within one token, or before it starts if it is
    // still queued; a cancelled request ends with finished() and stats.cancelled set, never
    // with failed(). Only that request: the window and the server share this worker, and one
    // must not stop the other's.
    void cancel(quint64 requestId);
    // Thread-safe. Stops whatever runs and every request still queued (closing the program).
    void cancelAll();
    // Thread-safe. Stops a running or queued load at its next progress step; the load ends
    // with loadFailed(message, cancelled = true) and the previous model stays usable.
    // Only call it while a load is pending: the request stands until a load consumes it.
    void cancelLoading();

    // Thread-safe. A fresh id for ask() or embed(): every front end sharing this worker takes
    // its ids here, so that cancel(id), which also stops earlier ids, never reaches another
    // front end's later request.
    quint64 newRequestId() { return ++lastRequestId_; }

    // The folder layout write_demo_model() produces.
    static ibllm::ModelPaths demoModelPaths(const QString& dir);

public Q_SLOTS:
    void loadModels(const ibllm::ModelPaths& paths, const ibllm::LoadOptions& options);
    // Writes the demo model into `dir` unless it is already there, then loads it.
    void loadDemoModel(const QString& dir, const ibllm::LoadOptions& options);
    void ask(quint64 requestId, const ibllm::AskRequest& request);
    // Each input's L2-normalised ImageBind embedding, in order, and the CLIP tokens the texts
    // among them took (ends with embedded() or failed()).
    void embed(quint64 requestId, const std::vector<ibllm::app::EmbedInput>& inputs);
    // Drops the engine's cached conversation prefix (the user switched conversations).
    void resetConversation();

Q_SIGNALS:
    void progress(const QString& stage, double fraction);
    void loaded(const ibllm::ModelInfo& info);
    void loadFailed(const QString& message, bool cancelled);
    void token(quint64 requestId, const QString& text);
    void finished(quint64 requestId, const ibllm::AskStats& stats);
    void failed(quint64 requestId, const QString& message);
    void embedded(quint64 requestId, const std::vector<std::vector<float>>& embeddings, int textTokens);

private:
    bool isCancelled(quint64 requestId);
    // Runs one request's body with the request marked as the one in the engine (so that
    // cancel(id) reaches it), and ends it however the body ends: Cancelled calls
    // `onCancelled`, any other exception is failed() with one sentence.
    void runRequest(quint64 requestId, const QString& outOfMemory, const std::function<void()>& body,
                    const std::function<void()>& onCancelled);
    // Marks `requestId` as the one in the engine (0: none) and forgets its cancellation once done.
    void setRunning(quint64 requestId);
    void reportProgress(const std::string& stage, double fraction);
    void runLoad(const std::function<void()>& body);

    ibllm::Engine engine_;
    AttachmentEncoder encoder_ = precomputedEmbeddingOnly;
    // Engine::cancel() reads the engine's internals, which load() replaces; the worker holds
    // this while loading, and cancel() only calls into the engine when it can take it
    // without waiting (the UI thread must never block on a load).
    std::mutex engineSwap_;
    // Cancelled ids not yet run (or running); the id in the engine, changed under the same
    // lock so that a cancel never lands on the request after the one it meant.
    std::mutex cancelMutex_;
    std::set<quint64> cancelled_;
    quint64 running_ = 0;
    std::atomic<bool> cancelAll_{false};
    std::atomic<quint64> lastRequestId_{0};
    std::atomic<bool> loadCancelRequested_{false};
};

}  // namespace ibllm::app
