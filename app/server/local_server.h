#pragma once
// The desktop's "serve this model to other programs" switch: the OpenAI-compatible server of
// `ibllm-cli serve` (app/server/openai_server) on loopback, in front of the window's own
// engine worker, so both front ends share one engine and its line of requests. The HTTP
// library's threads run in the background; starting and stopping are quick and never wait on
// an answer being written for the window.
#include <QObject>
#include <QString>
#include <memory>
#include <thread>

namespace ibllm::app {

class EngineWorker;
class EngineQueue;
class OpenAiServer;

class LocalServer : public QObject {
    Q_OBJECT
public:
    explicit LocalServer(EngineWorker& worker, QObject* parent = nullptr);
    ~LocalServer() override;

    // Listens on 127.0.0.1:`port` (0: any free port) under the model name `modelId`. Returns
    // an empty string, or the sentence saying why it could not (the port is taken, ...).
    QString start(int port, const QString& modelId);
    // The answers being written for clients end with an error event; nothing else waits.
    void stop();
    bool isRunning() const { return server_ != nullptr; }
    // "http://127.0.0.1:8177/v1" while running, else empty.
    QString address() const;

Q_SIGNALS:
    void runningChanged(bool running);

private:
    EngineWorker& worker_;
    std::unique_ptr<EngineQueue> queue_;
    std::unique_ptr<OpenAiServer> server_;
    std::thread thread_;
    int port_ = 0;
};

}  // namespace ibllm::app
