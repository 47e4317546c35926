#pragma once
// Owns the engine worker's thread: starts it, and on destruction cancels whatever runs,
// stops the thread and lets the worker (and with it the model's memory) go on that thread.
#include <QThread>

#include "app/engine_worker.h"

namespace ibllm::app {

class EngineThread {
public:
    EngineThread();
    ~EngineThread();
    EngineThread(const EngineThread&) = delete;
    EngineThread& operator=(const EngineThread&) = delete;

    EngineWorker* worker() const { return worker_; }

private:
    QThread thread_;
    EngineWorker* worker_;  // lives in thread_, deleted there when it finishes
};

}  // namespace ibllm::app
