#include "app/server/engine_queue.h"

#include <QMetaObject>

namespace ibllm::app {

void JobInbox::push(JobEvent event) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        events_.push_back(std::move(event));
    }
    ready_.notify_all();
}

std::optional<JobEvent> JobInbox::next(std::chrono::milliseconds wait) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!ready_.wait_for(lock, wait, [&] { return !events_.empty(); })) return std::nullopt;
    JobEvent e = std::move(events_.front());
    events_.pop_front();
    return e;
}

JobEvent JobInbox::take() {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait(lock, [&] { return !events_.empty(); });
    JobEvent e = std::move(events_.front());
    events_.pop_front();
    return e;
}

namespace {

JobEvent failure(const std::string& message) {
    JobEvent e;
    e.kind = JobEvent::Kind::Failed;
    e.text = message;
    return e;
}

}  // namespace

EngineQueue::EngineQueue(EngineWorker& worker, int maxWaiting) : worker_(worker), maxWaiting_(maxWaiting) {
    // Direct connections: the slots run on the worker's thread as it emits, and only touch
    // this queue under its mutex and the jobs' thread-safe inboxes.
    connect(&worker_, &EngineWorker::token, this, &EngineQueue::onToken, Qt::DirectConnection);
    connect(
        &worker_, &EngineWorker::finished, this,
        [this](quint64 id, const ibllm::AskStats& stats) {
            JobEvent e;
            e.kind = JobEvent::Kind::Finished;
            e.stats = stats;
            onDone(id, std::move(e));
        },
        Qt::DirectConnection);
    connect(
        &worker_, &EngineWorker::failed, this,
        [this](quint64 id, const QString& message) { onDone(id, failure(message.toStdString())); }, Qt::DirectConnection);
    connect(
        &worker_, &EngineWorker::embedded, this,
        [this](quint64 id, const std::vector<std::vector<float>>& embeddings, int textTokens) {
            JobEvent e;
            e.kind = JobEvent::Kind::Embedded;
            e.embeddings = embeddings;
            e.text_tokens = textTokens;
            onDone(id, std::move(e));
        },
        Qt::DirectConnection);
}

EngineQueue::~EngineQueue() {
    // The worker may outlive this queue: stop listening before going.
    disconnect(&worker_, nullptr, this, nullptr);
}

bool EngineQueue::submit(const std::shared_ptr<EngineJob>& job) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return false;
    if (running_ && static_cast<int>(waiting_.size()) >= maxWaiting_) return false;
    waiting_.push_back(job);
    if (!running_) startNextLocked();
    return true;
}

void EngineQueue::startNextLocked() {
    if (running_ || waiting_.empty()) return;
    running_ = std::move(waiting_.front());
    waiting_.pop_front();
    running_->requestId = worker_.newRequestId();
    EngineWorker* worker = &worker_;
    const quint64 id = running_->requestId;
    if (const auto* ask = std::get_if<ibllm::AskRequest>(&running_->work)) {
        QMetaObject::invokeMethod(worker, [worker, id, request = *ask] { worker->ask(id, request); }, Qt::QueuedConnection);
    } else {
        const auto& inputs = std::get<std::vector<EmbedInput>>(running_->work);
        QMetaObject::invokeMethod(worker, [worker, id, inputs] { worker->embed(id, inputs); }, Qt::QueuedConnection);
    }
}

void EngineQueue::onToken(quint64 requestId, const QString& text) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!running_ || running_->requestId != requestId) return;
    JobEvent e;
    e.text = text.toStdString();
    running_->inbox.push(std::move(e));
}

void EngineQueue::onDone(quint64 requestId, JobEvent event) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!running_ || running_->requestId != requestId) return;  // another front end's, or one given up
    running_->inbox.push(std::move(event));
    running_.reset();
    startNextLocked();
    if (!running_) idle_.notify_all();
}

void EngineQueue::cancel(const std::shared_ptr<EngineJob>& job) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (running_ == job) {
        worker_.cancel(job->requestId);
        return;
    }
    for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
        if (*it != job) continue;
        waiting_.erase(it);
        job->inbox.push(failure("The request was cancelled before it started."));
        return;
    }
}

void EngineQueue::shutdown(const std::string& message) {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    for (auto& job : waiting_) job->inbox.push(failure(message));
    waiting_.clear();
    // The running job is told at once rather than when the engine gets to it: it may still be
    // behind another front end's answer on the worker, and stopping must not wait for that.
    if (running_) {
        worker_.cancel(running_->requestId);
        running_->inbox.push(failure(message));
        running_.reset();
    }
    idle_.notify_all();
}

int EngineQueue::pending() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<int>(waiting_.size()) + (running_ ? 1 : 0);
}

bool EngineQueue::waitIdle(std::chrono::milliseconds wait) {
    std::unique_lock<std::mutex> lock(mutex_);
    return idle_.wait_for(lock, wait, [&] { return !running_ && waiting_.empty(); });
}

}  // namespace ibllm::app
