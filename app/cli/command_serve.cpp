// `ibllm-cli serve`: the model behind an OpenAI-compatible HTTP server (app/server), on the
// same engine worker and queue the window uses. Ctrl+C or SIGTERM ends the answers being
// written with an error event, and the program exits cleanly.
#include <QCoreApplication>
#include <QFileInfo>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <future>
#include <iostream>
#include <thread>

#include "app/cli/arguments.h"
#include "app/cli/commands.h"
#include "app/cli/model_arguments.h"
#include "app/engine_thread.h"
#include "app/engine_worker.h"
#include "app/server/engine_queue.h"
#include "app/server/openai_server.h"
#include "engine/error.h"

namespace ibllm::cli {

namespace {

std::atomic<int> stop_signal{0};

// Loads the model on the worker thread and waits for it, printing the stages.
void load_on_worker(app::EngineWorker& worker, const ModelPaths& paths, const LoadOptions& options) {
    std::promise<std::string> done;  // empty: loaded
    QObject guard;
    QObject::connect(&worker, &app::EngineWorker::progress, &guard, [](const QString& stage, double f) {
        std::cerr << "\r" << stage.toStdString() << " " << static_cast<int>(100 * f) << "%   " << std::flush;
    }, Qt::DirectConnection);
    QObject::connect(&worker, &app::EngineWorker::loaded, &guard, [&](const ModelInfo&) { done.set_value({}); },
                     Qt::DirectConnection);
    QObject::connect(&worker, &app::EngineWorker::loadFailed, &guard,
                     [&](const QString& message, bool) { done.set_value(message.toStdString()); }, Qt::DirectConnection);
    QMetaObject::invokeMethod(&worker, [&worker, paths, options] { worker.loadModels(paths, options); }, Qt::QueuedConnection);
    const std::string failure = done.get_future().get();
    std::cerr << "\r" << std::string(60, ' ') << "\r";
    if (!failure.empty()) throw Error(failure);
}

std::string model_id(const Arguments& args, const ModelPaths& paths) {
    if (args.has("model-name")) return args.get("model-name");
    const std::string dir = args.has("model") ? args.get("model") : paths.llama_dir;
    const std::string name = QFileInfo(QString::fromStdString(dir)).absoluteFilePath().section('/', -1).toStdString();
    return name.empty() ? "imagebind-llm" : name;
}

}  // namespace

int run_serve(int argc, char** argv) {
    std::set<std::string> valued = model_option_names();
    valued.insert({"host", "port", "api-key", "max-queue", "max-body-mb", "max-file-mb", "model-name"});
    Arguments args(argc, argv, 2, valued, model_flag_names());
    if (!args.positionals().empty()) throw UsageError("serve takes no PROMPT; clients send their questions.");

    app::ServerOptions options;
    options.host = args.get("host", "127.0.0.1");
    const long long port = args.get_int("port", app::kDefaultServerPort);
    if (port < 0 || port > 65535) throw UsageError("--port must be between 0 and 65535.");
    options.port = static_cast<int>(port);
    const char* env_key = std::getenv("IBLLM_API_KEY");
    options.api_key = args.get("api-key", env_key ? env_key : "");
    const long long max_queue = args.get_int("max-queue", 8);
    if (max_queue < 0 || max_queue > 1000) throw UsageError("--max-queue must be between 0 and 1000.");
    const long long body_mb = args.get_int("max-body-mb", 64);
    if (body_mb < 1 || body_mb > 4096) throw UsageError("--max-body-mb must be between 1 and 4096.");
    options.max_body_bytes = body_mb << 20;
    const long long file_mb = args.get_int("max-file-mb", body_mb);
    if (file_mb < 1) throw UsageError("--max-file-mb must be at least 1.");
    options.limits.max_file_bytes = std::min(file_mb, body_mb) << 20;
    options.threads = static_cast<int>(max_queue) + 8;  // every waiting request holds a connection
    // Refused before minutes of loading, not after.
    if (const std::string why = app::check_listen_allowed(options.host, options.api_key); !why.empty()) throw Error(why);

    const ModelPaths paths = model_paths(args);
    options.model_id = model_id(args, paths);
    options.defaults.sampling = sampling_settings(args);
    options.defaults.cache = cache_settings(args, paths);

    // Ctrl+C and SIGTERM only raise a flag (a handler, not a mask: OpenBLAS starts its threads
    // before main, and any thread may take the signal); a watcher thread acts on it. A closed
    // client is an error return from a write, never SIGPIPE.
    struct sigaction on_stop {};
    on_stop.sa_handler = [](int sig) { stop_signal.store(sig); };
    sigemptyset(&on_stop.sa_mask);
    sigaction(SIGINT, &on_stop, nullptr);
    sigaction(SIGTERM, &on_stop, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    int qt_argc = 1;
    QCoreApplication qt(qt_argc, argv);
    app::EngineThread engine;
    engine.worker()->setAttachmentEncoder(app::embeddingOrEncodedFile);
    load_on_worker(*engine.worker(), paths, load_options(args));

    app::EngineQueue queue(*engine.worker(), static_cast<int>(max_queue));
    app::OpenAiServer server(queue, options);
    const int bound = server.bind();
    std::atomic<bool> finished{false};
    std::thread watcher([&] {
        while (!finished.load()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            if (stop_signal.load() != 0) {
                std::cerr << "ibllm-cli serve: stopping (the answers being written end with an error)\n";
                server.stop();
                return;
            }
        }
    });
    std::cout << "Serving \"" << options.model_id << "\" at http://" << options.host << ":" << bound
              << "/v1 (OpenAI API: /v1/models, /v1/chat/completions, /v1/embeddings"
              << (options.api_key.empty() ? "" : "; a key is required") << "). Ctrl+C stops.\n"
              << std::flush;
    server.run();
    finished.store(true);
    watcher.join();
    std::cerr << "ibllm-cli serve: stopped\n";
    return 0;
}

}  // namespace ibllm::cli
