#pragma once
// The server's requests in line for the one engine. Requests arrive on the HTTP library's
// threads; the engine worker (app/engine_worker) runs one at a time on its own thread. This
// queue hands it exactly one job at a time, so that:
//   - a client that goes away can drop its job while it waits, without touching the others
//     (the worker's cancel(id) also stops every earlier id, which is right for one job in
//     flight and wrong for a line of them);
//   - the line has a length, and a request beyond it is refused at once (429), not left to wait;
//   - on shutdown, whatever waits or runs ends with an error its client can be told.
// Each job's events (pieces of the answer, its end) are delivered to the job's Inbox, which
// the request's own thread waits on.
#include <QObject>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "app/engine_worker.h"

namespace ibllm::app {

struct JobEvent {
    enum class Kind { Piece, Finished, Failed, Embedded };
    Kind kind = Kind::Piece;
    std::string text;  // the piece, or the failure's sentence
    ibllm::AskStats stats;
    std::vector<std::vector<float>> embeddings;
    int text_tokens = 0;  // Embedded: the CLIP tokens of the texts
};

// What one request waits on. Thread-safe.
class JobInbox {
public:
    void push(JobEvent event);
    // The next event, or std::nullopt when none came within `wait`.
    std::optional<JobEvent> next(std::chrono::milliseconds wait);
    // The next event, however long it takes (the queue delivers one for every job: on
    // shutdown or cancellation, a failure).
    JobEvent take();

private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<JobEvent> events_;
};

struct EngineJob {
    std::variant<ibllm::AskRequest, std::vector<EmbedInput>> work;
    // Whatever must live as long as the job (the folder holding its files); the last of the
    // queue and the request to let go of the job releases it.
    std::shared_ptr<void> keep;
    JobInbox inbox;
    quint64 requestId = 0;  // the worker's id once it runs
};

class EngineQueue : public QObject {
    Q_OBJECT
public:
    // `maxWaiting`: how many jobs may wait behind the running one.
    EngineQueue(EngineWorker& worker, int maxWaiting);
    ~EngineQueue() override;

    // Thread-safe. Runs `job` when the engine is free; false (and nothing queued) when the
    // line is full or the queue has shut down.
    bool submit(const std::shared_ptr<EngineJob>& job);
    // Thread-safe. A waiting job leaves the line (its inbox gets Failed); the running one stops
    // within one token (it ends with Finished, stats.cancelled set).
    void cancel(const std::shared_ptr<EngineJob>& job);
    // Thread-safe. Every waiting job fails with `message`, and so does the running one at once
    // (the engine stops it within a token); nothing more is accepted.
    void shutdown(const std::string& message);
    // Jobs running or waiting.
    int pending() const;
    // Thread-safe. Blocks until no job runs or waits, or `wait` passed; true when idle.
    bool waitIdle(std::chrono::milliseconds wait);

private:
    void startNextLocked();
    void onToken(quint64 requestId, const QString& text);
    void onDone(quint64 requestId, JobEvent event);

    EngineWorker& worker_;
    const int maxWaiting_;
    mutable std::mutex mutex_;
    std::condition_variable idle_;
    std::deque<std::shared_ptr<EngineJob>> waiting_;
    std::shared_ptr<EngineJob> running_;
    bool closed_ = false;
};

}  // namespace ibllm::app
