#include "app/server/openai_server.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "app/attachment_types.h"
#include "app/server/ask_from_messages.h"
#include "app/server/engine_queue.h"
#include "app/server/openai_responses.h"
#include "app/server/stop_strings.h"
#include "engine/error.h"

namespace ibllm::app {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A request's files on disk while its job lives: the encoders read files, and the client's
// names are never used as paths (only their extensions are kept).
class RequestFolder {
public:
    RequestFolder() {
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/ibllm-serve-XXXXXX";
        if (!mkdtemp(pattern.data()))
            throw Error("Cannot create a folder for the request's files in " + fs::path(pattern).parent_path().string() +
                        "; check that it is writable and not full.");
        path_ = pattern;
    }
    ~RequestFolder() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    RequestFolder(const RequestFolder&) = delete;
    RequestFolder& operator=(const RequestFolder&) = delete;

    // Writes the file and remembers which client name it stands for.
    std::string save(const RequestFile& file) {
        const std::string ext = file_extension(file.filename);
        const std::string path = path_ + "/" + std::to_string(names_.size()) + (ext.empty() ? "" : "." + ext);
        std::ofstream out(path, std::ios::binary);
        out.write(file.bytes.data(), static_cast<std::streamsize>(file.bytes.size()));
        out.close();
        if (!out) throw Error("Cannot store the request's file \"" + file.filename + "\" in " + path_ + "; is the disk full?");
        names_[path] = file.filename;
        return path;
    }

    // The engine's messages name the files it read; the client knows them by its own names.
    std::string client_message(std::string message) const {
        for (const auto& [path, name] : names_)
            for (size_t at; (at = message.find(path)) != std::string::npos;) message.replace(at, path.size(), name);
        return message;
    }

private:
    std::string path_;
    std::map<std::string, std::string> names_;
};

std::string random_hex(size_t n) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    static const char* digits = "0123456789abcdef";
    std::string s(n, '0');
    for (char& c : s) c = digits[rng() & 15];
    return s;
}

RequestError make_error(int status, std::string message, std::string param = {}, std::string type = {}) {
    RequestError e;
    e.status = status;
    e.message = std::move(message);
    e.param = std::move(param);
    if (!type.empty()) e.type = std::move(type);
    return e;
}

void send_error(httplib::Response& res, const RequestError& error, const std::string& code = {}) {
    res.status = error.status;
    res.set_content(error_json(error, code), "application/json");
}

bool same_key(const std::string& a, const std::string& b) {
    // Compared in time that does not depend on where they differ.
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i % (b.empty() ? 1 : b.size())]);
    return diff == 0 && !b.empty();
}

bool is_loopback(const std::string& host) {
    return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

}  // namespace

std::string check_listen_allowed(const std::string& host, const std::string& api_key) {
    if (is_loopback(host) || !api_key.empty()) return {};
    return "Listening on " + host +
           " lets other machines use this model: give a key with --api-key KEY (or IBLLM_API_KEY), or keep the "
           "default host 127.0.0.1.";
}

struct OpenAiServer::Impl {
    EngineQueue& queue;
    ServerOptions options;
    httplib::Server http;
    int64_t started = static_cast<int64_t>(std::time(nullptr));
    std::atomic<bool> stopping{false};
    // Requests that hold a job, until their last byte is written: stop() waits for them,
    // since the library ends a stream mid-way once it stops.
    std::mutex activeMutex;
    std::condition_variable activeDone;
    int active = 0;

    void enter() {
        std::lock_guard<std::mutex> lock(activeMutex);
        ++active;
    }
    void leave() {
        {
            std::lock_guard<std::mutex> lock(activeMutex);
            --active;
        }
        activeDone.notify_all();
    }
    // Held by a request's handler; a stream hands it on to its content provider.
    struct Active {
        Impl* impl;
        explicit Active(Impl* i) : impl(i) { impl->enter(); }
        ~Active() { impl->leave(); }
    };

    Impl(EngineQueue& q, ServerOptions o) : queue(q), options(std::move(o)) {}

    // ---- shared steps ----
    // An empty name (a client that sends none) means this server's model.
    bool check_model(const std::string& requested, httplib::Response& res) const {
        if (requested.empty() || requested == options.model_id) return true;
        send_error(res,
                   make_error(404, "The model \"" + requested + "\" is not served here; this server has \"" +
                                       options.model_id + "\" (see GET /v1/models).",
                              "model"),
                   "model_not_found");
        return false;
    }

    bool submit(const std::shared_ptr<EngineJob>& job, httplib::Response& res) {
        if (queue.submit(job)) return true;
        if (stopping.load()) {
            send_error(res, make_error(503, "The server is shutting down.", {}, "server_error"));
            return false;
        }
        res.set_header("Retry-After", "2");
        send_error(res,
                   make_error(429, "The server is busy with the requests already waiting; retry in a few seconds.", {},
                              "rate_limit_error"),
                   "queue_full");
        return false;
    }

    // The engine's failure as the client's error: 503 while shutting down, else 422 (the
    // request's files or prompt are what the engine could not use), naming the client's files.
    RequestError engine_failure(const RequestFolder& folder, const std::string& message) const {
        return stopping.load() ? make_error(503, folder.client_message(message), {}, "server_error")
                               : make_error(422, folder.client_message(message));
    }

    // ---- routes ----
    void models(const httplib::Request&, httplib::Response& res) const {
        res.set_content(models_json({options.model_id}, started), "application/json");
    }

    void model(const httplib::Request& req, httplib::Response& res) const {
        if (check_model(req.matches[1], res)) res.set_content(model_json(options.model_id, started), "application/json");
    }

    void chat(const httplib::Request& req, httplib::Response& res) {
        auto parsed = parse_chat_completion_request(req.body, options.limits, options.defaults);
        if (auto* error = std::get_if<RequestError>(&parsed)) return send_error(res, *error);
        ChatCompletionRequest& request = std::get<ChatCompletionRequest>(parsed);
        if (!check_model(request.model, res)) return;

        auto active = std::make_shared<Active>(this);
        auto job = std::make_shared<EngineJob>();
        auto folder = std::make_shared<RequestFolder>();
        job->keep = folder;
        job->work = ask_from_messages(request, [&](const RequestFile& f) { return folder->save(f); });
        if (!submit(job, res)) return;

        CompletionId id{"chatcmpl-" + random_hex(24), static_cast<int64_t>(std::time(nullptr)),
                        request.model.empty() ? options.model_id : request.model};
        // Nothing is sent before the answer's first event: a request the engine refuses (an
        // unreadable file, too long a prompt) still gets an HTTP error status.
        JobEvent first = job->inbox.take();
        if (first.kind == JobEvent::Kind::Failed) return send_error(res, engine_failure(*folder, first.text));
        if (request.stream)
            stream(res, job, folder, id, request, std::move(first), active);
        else
            whole(res, job, folder, id, request, std::move(first));
    }

    void whole(httplib::Response& res, const std::shared_ptr<EngineJob>& job, const std::shared_ptr<RequestFolder>& folder,
               const CompletionId& id, const ChatCompletionRequest& request, JobEvent event) {
        StopStrings stops(request.stop);
        std::string text;
        for (;; event = job->inbox.take()) {
            if (event.kind == JobEvent::Kind::Piece) {
                if (stops.stopped()) continue;  // pieces already on their way when the stop string came
                text += stops.feed(event.text);
                if (stops.stopped()) queue.cancel(job);
            } else if (event.kind == JobEvent::Kind::Failed) {
                return send_error(res, engine_failure(*folder, event.text));
            } else {
                if (!stops.stopped()) text += stops.flush();
                const bool ended = stops.stopped() || event.stats.stopped_on_eos;
                res.set_content(completion_json(id, text, finish_reason(ended),
                                                {event.stats.prompt_tokens, event.stats.generated_tokens}),
                                "application/json");
                return;
            }
        }
    }

    struct StreamState {
        std::shared_ptr<EngineJob> job;
        std::shared_ptr<RequestFolder> folder;
        CompletionId id;
        bool include_usage = false;
        StopStrings stops;
        std::optional<JobEvent> first;
        bool sent_role = false, over = false;
    };

    void stream(httplib::Response& res, const std::shared_ptr<EngineJob>& job, const std::shared_ptr<RequestFolder>& folder,
                const CompletionId& id, const ChatCompletionRequest& request, JobEvent first,
                const std::shared_ptr<Active>& active) {
        auto state = std::make_shared<StreamState>(StreamState{job, folder, id, request.include_usage,
                                                               StopStrings(request.stop), std::move(first)});
        res.set_header("Cache-Control", "no-cache");
        res.set_header("X-Accel-Buffering", "no");
        res.set_chunked_content_provider(
            "text/event-stream",
            [this, state](size_t, httplib::DataSink& sink) { return stream_step(*state, sink); },
            [this, state, active](bool) {
                // Called however the response ended: a client gone mid-answer frees the engine.
                if (!state->over) queue.cancel(state->job);
            });
    }

    // One event of the answer onto the wire; false ends the connection (the client is gone).
    bool stream_step(StreamState& s, httplib::DataSink& sink) {
        const auto send = [&](const std::string& data) { return sink.write(data.data(), data.size()); };
        std::optional<JobEvent> event = s.first ? std::move(s.first) : s.job->inbox.next(1000ms);
        s.first.reset();
        if (!event) return send(": waiting\n\n");  // a comment line: finds a client that left
        if (!s.sent_role) {
            s.sent_role = true;
            if (!send(sse_event(chunk_json(s.id, "assistant", "", std::nullopt)))) return false;
        }
        switch (event->kind) {
            case JobEvent::Kind::Piece: {
                if (s.stops.stopped()) return true;
                const std::string text = s.stops.feed(event->text);
                if (s.stops.stopped()) queue.cancel(s.job);
                return text.empty() || send(sse_event(chunk_json(s.id, std::nullopt, text, std::nullopt)));
            }
            case JobEvent::Kind::Failed: {
                s.over = true;
                send(sse_event(error_json(engine_failure(*s.folder, event->text))));
                send(sse_done());
                sink.done();
                return true;
            }
            default: {
                s.over = true;
                const std::string rest = s.stops.stopped() ? std::string() : s.stops.flush();
                if (!rest.empty() && !send(sse_event(chunk_json(s.id, std::nullopt, rest, std::nullopt)))) return false;
                const bool ended = s.stops.stopped() || event->stats.stopped_on_eos;
                if (!send(sse_event(chunk_json(s.id, std::nullopt, "", std::string(finish_reason(ended)))))) return false;
                if (s.include_usage &&
                    !send(sse_event(usage_chunk_json(s.id, {event->stats.prompt_tokens, event->stats.generated_tokens}))))
                    return false;
                if (!send(sse_done())) return false;
                sink.done();
                return true;
            }
        }
    }

    void embeddings(const httplib::Request& req, httplib::Response& res) {
        auto parsed = parse_embeddings_request(req.body, options.limits);
        if (auto* error = std::get_if<RequestError>(&parsed)) return send_error(res, *error);
        EmbeddingsRequest& request = std::get<EmbeddingsRequest>(parsed);
        if (!check_model(request.model, res)) return;

        const Active active(this);
        auto job = std::make_shared<EngineJob>();
        auto folder = std::make_shared<RequestFolder>();
        job->keep = folder;
        std::vector<EmbedInput> inputs;
        for (const auto& item : request.inputs) {
            EmbedInput in;
            if (const auto* text = std::get_if<std::string>(&item)) {
                in.text = *text;
            } else {
                const RequestFile& f = std::get<RequestFile>(item);
                in.modality = f.modality;
                in.path = folder->save(f);
            }
            inputs.push_back(std::move(in));
        }
        job->work = std::move(inputs);
        if (!submit(job, res)) return;
        const JobEvent done = job->inbox.take();
        if (done.kind != JobEvent::Kind::Embedded)
            return send_error(res, engine_failure(*folder, done.text));
        res.set_content(embeddings_json(done.embeddings, request.model.empty() ? options.model_id : request.model,
                                        done.text_tokens, request.base64),
                        "application/json");
    }
};

OpenAiServer::OpenAiServer(EngineQueue& queue, ServerOptions options)
    : impl_(std::make_unique<Impl>(queue, std::move(options))) {
    Impl& s = *impl_;
    httplib::Server& http = s.http;
    const int threads = std::max(2, s.options.threads);
    http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
    http.set_payload_max_length(static_cast<size_t>(s.options.max_body_bytes));
    http.set_read_timeout(s.options.read_timeout);
    http.set_write_timeout(s.options.write_timeout);
    http.set_keep_alive_timeout(5);

    http.set_pre_routing_handler([&s](const httplib::Request& req, httplib::Response& res) {
        if (s.options.api_key.empty() || req.path == "/health") return httplib::Server::HandlerResponse::Unhandled;
        const std::string auth = req.get_header_value("Authorization");
        const std::string bearer = "Bearer ";
        if (auth.rfind(bearer, 0) == 0 && same_key(auth.substr(bearer.size()), s.options.api_key))
            return httplib::Server::HandlerResponse::Unhandled;
        send_error(res,
                   make_error(401, auth.empty() ? "This server needs an API key: send \"Authorization: Bearer KEY\"."
                                                : "The API key is not the one this server was started with.",
                              {}, "invalid_request_error"),
                   "invalid_api_key");
        return httplib::Server::HandlerResponse::Handled;
    });
    http.Get("/health", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("{\"status\":\"ok\"}", "application/json");
    });
    http.Get("/v1/models", [&s](const httplib::Request& q, httplib::Response& r) { s.models(q, r); });
    http.Get(R"(/v1/models/(.+))", [&s](const httplib::Request& q, httplib::Response& r) { s.model(q, r); });
    http.Post("/v1/chat/completions", [&s](const httplib::Request& q, httplib::Response& r) { s.chat(q, r); });
    http.Post("/v1/embeddings", [&s](const httplib::Request& q, httplib::Response& r) { s.embeddings(q, r); });

    // Errors the library answers itself (no route, a body over the cap, a malformed request)
    // get OpenAI's error object too.
    http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string message = "The request could not be read.";
        std::string type = "invalid_request_error";
        if (res.status == 404)
            message = "There is no " + req.method + " " + req.path +
                      " here; use GET /v1/models, POST /v1/chat/completions or POST /v1/embeddings.";
        else if (res.status == 405)
            message = req.method + " is not accepted on " + req.path + ".";
        else if (res.status == 413)
            message = "The request body is larger than this server accepts; send smaller files or start it with a "
                      "larger --max-body-mb.";
        else if (res.status >= 500)
            type = "server_error", message = "The server failed while answering; the log says why.";
        send_error(res, make_error(res.status, message, {}, type));
        return httplib::Server::HandlerResponse::Handled;
    }));
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string message = "The server failed while answering.";
        int status = 500;
        try {
            std::rethrow_exception(ep);
        } catch (const Error& e) {  // e.g. the request's files could not be stored
            message = e.what();
        } catch (const std::exception& e) {
            message += std::string(" (") + e.what() + ")";
        } catch (...) {
        }
        send_error(res, make_error(status, message, {}, "server_error"));
    });
}

OpenAiServer::~OpenAiServer() { stop(); }

int OpenAiServer::bind() {
    Impl& s = *impl_;
    if (const std::string why = check_listen_allowed(s.options.host, s.options.api_key); !why.empty()) throw Error(why);
    const std::string host = s.options.host == "localhost" ? "127.0.0.1" : s.options.host;
    int port = s.options.port;
    if (port == 0) {
        port = s.http.bind_to_any_port(host);
        if (port < 0) throw Error("Cannot listen on " + s.options.host + "; check the address.");
    } else if (!s.http.bind_to_port(host, port)) {
        throw Error("Cannot listen on " + s.options.host + ":" + std::to_string(port) +
                    "; another program may use the port: choose another with --port.");
    }
    return port;
}

void OpenAiServer::run() { impl_->http.listen_after_bind(); }

void OpenAiServer::stop() {
    Impl& s = *impl_;
    if (s.stopping.exchange(true)) return;
    // Streams in flight end with an error event their clients can show, waiting requests get
    // 503, and the library then lets the handlers finish writing before run() returns.
    s.queue.shutdown("The server is shutting down; the answer stopped here.");
    s.queue.waitIdle(10s);
    {
        std::unique_lock<std::mutex> lock(s.activeMutex);
        s.activeDone.wait_for(lock, 10s, [&] { return s.active == 0; });
    }
    s.http.stop();
}

}  // namespace ibllm::app
