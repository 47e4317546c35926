#include "app/server/local_server.h"

#include <csignal>

#include "app/server/engine_queue.h"
#include "app/server/openai_server.h"
#include "engine/error.h"

namespace ibllm::app {

LocalServer::LocalServer(EngineWorker& worker, QObject* parent) : QObject(parent), worker_(worker) {}

LocalServer::~LocalServer() { stop(); }

QString LocalServer::start(int port, const QString& modelId) {
    if (server_) return QString();
    // A client that closes its connection is an error from a write, not SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    ServerOptions options;
    options.port = port;
    options.model_id = modelId.isEmpty() ? std::string("imagebind-llm") : modelId.toStdString();
    auto queue = std::make_unique<EngineQueue>(worker_, 8);
    auto server = std::make_unique<OpenAiServer>(*queue, options);
    try {
        port_ = server->bind();
    } catch (const Error& e) {
        return QString::fromUtf8(e.what());
    }
    queue_ = std::move(queue);
    server_ = std::move(server);
    OpenAiServer* s = server_.get();
    thread_ = std::thread([s] { s->run(); });
    Q_EMIT runningChanged(true);
    return QString();
}

void LocalServer::stop() {
    if (!server_) return;
    server_->stop();
    thread_.join();
    server_.reset();
    queue_.reset();
    Q_EMIT runningChanged(false);
}

QString LocalServer::address() const {
    return server_ ? QStringLiteral("http://127.0.0.1:%1/v1").arg(port_) : QString();
}

}  // namespace ibllm::app
