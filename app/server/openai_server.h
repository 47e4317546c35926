#pragma once
// The OpenAI-compatible HTTP server: GET /v1/models, POST /v1/chat/completions (whole or
// streamed as Server-Sent Events) and POST /v1/embeddings, in front of the engine queue.
// HTTP itself is cpp-httplib's (Debian's libcpp-httplib): a thread per connection from a
// bounded pool, chunked responses through a content provider (which is how an answer streams
// token by token), body-size caps and socket timeouts. Only this file's .cpp includes it.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "app/server/chat_completion_request.h"

namespace ibllm::app {

class EngineQueue;

// No well-known local server uses it (llama.cpp 8080, Ollama 11434, LM Studio 1234,
// GPT4All 4891, Jan 1337, vLLM 8000, text-generation-webui 5000, Gradio 7860).
constexpr int kDefaultServerPort = 8177;

struct ServerOptions {
    std::string host = "127.0.0.1";
    int port = kDefaultServerPort;  // 0: any free port (tests)
    std::string api_key;            // empty: no key asked
    int64_t max_body_bytes = int64_t(64) << 20;
    RequestLimits limits;           // per decoded file, files per request
    std::string model_id;           // what /v1/models lists and answers carry
    ChatCompletionRequest defaults; // sampling and visual-cache settings a request starts from
    std::chrono::seconds read_timeout{30}, write_timeout{60};
    int threads = 16;               // connections served at once (streams hold one each)
};

// Empty when the server may listen on `host`; otherwise the sentence that says why not: an
// address other than loopback is reachable from other machines, so it needs a key.
std::string check_listen_allowed(const std::string& host, const std::string& api_key);

class OpenAiServer {
public:
    OpenAiServer(EngineQueue& queue, ServerOptions options);
    ~OpenAiServer();
    OpenAiServer(const OpenAiServer&) = delete;
    OpenAiServer& operator=(const OpenAiServer&) = delete;

    // Binds the address; returns the port (the one chosen, for port 0). Throws ibllm::Error
    // with one sentence (address in use, a host that does not resolve, no key off loopback).
    int bind();
    // Serves until stop(); call after bind().
    void run();
    // Thread-safe: the answers being written end with an error event, waiting requests get
    // 503, nothing more is accepted, and run() returns once the handlers have finished.
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ibllm::app
