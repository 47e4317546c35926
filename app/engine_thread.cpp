#include "app/engine_thread.h"

namespace ibllm::app {

EngineThread::EngineThread() : worker_(new EngineWorker) {
    thread_.setObjectName(QStringLiteral("engine"));
    worker_->moveToThread(&thread_);
    QObject::connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    thread_.start();
}

EngineThread::~EngineThread() {
    // Queued requests are dropped with the event loop; the running one stops within a token.
    worker_->cancelAll();
    worker_->cancelLoading();
    thread_.quit();
    thread_.wait();
}

}  // namespace ibllm::app
