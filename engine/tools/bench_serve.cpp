#include "engine/tools/bench_serve.h"

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/error.h"
#include "engine/tools/bench_checkpoints.h"
#include "engine/tools/bench_scale.h"
#include "tests/support/http_client.h"

namespace ibllm::bench {

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct Timing {
    double first_token_ms = 0;
    double tokens_per_s = 0;
    int tokens = 0;
};

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

Timing timing(Clock::time_point start, Clock::time_point first, Clock::time_point end, int tokens) {
    Timing t;
    t.tokens = tokens;
    t.first_token_ms = ms(first - start);
    if (tokens > 1) t.tokens_per_s = (tokens - 1) / (ms(end - first) / 1000.0);
    return t;
}

std::string question(int i) {
    return "Question " + std::to_string(i) + ": describe a quiet harbour at dawn, the boats, the light and the sounds.";
}

Timing ask_in_process(Engine& engine, int i, int tokens) {
    AskRequest r;
    r.prompt = question(i);
    r.sampling.temperature = 0;
    r.sampling.max_tokens = tokens;
    r.cache.enabled = false;
    const auto start = Clock::now();
    Clock::time_point first{};
    int n = 0;
    engine.ask(r, [&](const std::string&) {
        if (n++ == 0) first = Clock::now();
    });
    return timing(start, first, Clock::now(), n);
}

// One streamed request; a token is a chunk that carries content.
Timing ask_through_server(int port, int i, int tokens) {
    const std::string body = "{\"model\":\"bench\",\"stream\":true,\"temperature\":0,\"max_tokens\":" + std::to_string(tokens) +
                             ",\"messages\":[{\"role\":\"user\",\"content\":\"" + question(i) + "\"}]}";
    test::HttpStream s(port);
    const auto start = Clock::now();
    if (!s.ok() || !s.send(test::http_request_bytes("POST", "/v1/chat/completions", body)))
        throw Error("The server on port " + std::to_string(port) + " did not take the request.");
    std::string raw;
    size_t seen = 0;
    int n = 0;
    Clock::time_point first{};
    for (;;) {
        const int got = s.read_some(raw, 600000);
        for (size_t at; (at = raw.find("\"content\":", seen)) != std::string::npos; seen = at + 1)
            if (n++ == 0) first = Clock::now();
        if (got <= 0 || raw.find("data: [DONE]") != std::string::npos) break;
    }
    if (n == 0) throw Error("The server's answer had no tokens:\n" + raw.substr(0, 2000));
    return timing(start, first, Clock::now(), n);
}

void print(const char* label, const Timing& t) {
    std::printf("  %-26s first token %8.1f ms   decode %7.2f tokens/s   (%d tokens)\n", label, t.first_token_ms,
                t.tokens_per_s, t.tokens);
}

Timing best(const std::vector<Timing>& runs) {
    Timing b = runs.front();
    for (const Timing& t : runs) {
        if (t.first_token_ms < b.first_token_ms) b.first_token_ms = t.first_token_ms;
        if (t.tokens_per_s > b.tokens_per_s) b.tokens_per_s = t.tokens_per_s;
    }
    return b;
}

}  // namespace

int run_serve_benchmark(const Options& o, const std::string& self_path) {
    const int tokens = get_int(o, "decode-tokens", 32);
    const int repeat = get_int(o, "repeat", 3);
    const std::string weights = get(o, "weights", "bf16");
    std::string model = get(o, "model", "");
    std::vector<std::string> model_args;
    ModelPaths paths;
    if (!model.empty()) {
        paths = find_model_folder(model).paths;
        model_args = {"--model", model};
    } else {
        const BenchScale scale = scale_named(get(o, "scale", "1.3b"));
        const BenchModelFiles files = ensure_bench_checkpoints(scale, get(o, "cache-dir", default_cache_root()), false, "");
        paths.llama_dir = files.llama_dir;
        paths.tokenizer = files.tokenizer;
        paths.adapter = files.adapter;
        model_args = {"--llama", files.llama_dir, "--tokenizer", files.tokenizer, "--adapter", files.adapter};
        model = files.llama_dir;
    }
    paths.cache.clear();
    paths.imagebind.clear();
    LoadOptions load;
    load.weight_format = parse_weight_format(weights);
    if (o.count("threads")) load.threads = get_int(o, "threads", 0);

    std::printf("ibllm-bench serve: %s, %s weights, %d tokens, best of %d (after one warm-up)\n", model.c_str(),
                weights.c_str(), tokens, repeat);
    std::vector<Timing> direct, served;
    {
        Engine engine;
        engine.load(paths, load);
        for (int i = 0; i <= repeat; ++i) {
            const Timing t = ask_in_process(engine, i, tokens);
            if (i > 0) direct.push_back(t);
        }
    }  // the model's memory goes before the server loads its own copy

    const fs::path cli = fs::path(self_path).parent_path() / "ibllm-cli";
    if (!fs::exists(cli)) throw Error(cli.string() + " is missing; build ibllm-cli next to ibllm-bench.");
    const fs::path out = fs::temp_directory_path() / ("ibllm-bench-serve-" + std::to_string(getpid()) + ".out");
    std::vector<std::string> args = {cli.string(), "serve", "--port", "0", "--model-name", "bench", "--no-cache",
                                     "--weights", weights};
    args.insert(args.end(), model_args.begin(), model_args.end());
    if (o.count("threads")) args.insert(args.end(), {"--threads", get(o, "threads", "")});
    const pid_t pid = fork();
    if (pid == 0) {
        if (!freopen(out.c_str(), "w", stdout) || !freopen((out.string() + ".err").c_str(), "w", stderr)) _exit(127);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    int port = 0;
    for (int i = 0; i < 6000 && port == 0; ++i) {
        std::ifstream in(out);
        std::string line;
        std::getline(in, line);
        const size_t at = line.find("http://127.0.0.1:");
        if (at != std::string::npos) port = std::atoi(line.c_str() + at + 17);
        int status = 0;
        if (port == 0 && waitpid(pid, &status, WNOHANG) == pid) {
            std::ifstream err(out.string() + ".err");
            throw Error("ibllm-cli serve ended before it listened: " +
                        std::string(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>()));
        }
        if (port == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (port == 0) {
        kill(pid, SIGTERM);
        throw Error("ibllm-cli serve did not listen within 10 minutes.");
    }
    try {
        for (int i = 0; i <= repeat; ++i) {
            const Timing t = ask_through_server(port, i, tokens);
            if (i > 0) served.push_back(t);
        }
    } catch (...) {
        kill(pid, SIGTERM);
        waitpid(pid, nullptr, 0);
        throw;
    }
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
    fs::remove(out);
    fs::remove(out.string() + ".err");

    const Timing d = best(direct), s = best(served);
    print("in process (as ask)", d);
    print("through the server (SSE)", s);
    std::printf("  server overhead: first token +%.1f ms (%.3fx), decode %.3fx\n", s.first_token_ms - d.first_token_ms,
                s.first_token_ms / d.first_token_ms, d.tokens_per_s > 0 ? s.tokens_per_s / d.tokens_per_s : 0.0);
    return 0;
}

}  // namespace ibllm::bench
