#include "engine/tools/bench_run.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/error.h"
#include "engine/tools/bench_agreement.h"
#include "engine/tools/bench_checkpoints.h"
#include "engine/tools/bench_format_run.h"
#include "engine/tools/bench_formats.h"
#include "engine/tools/bench_reference.h"
#include "engine/tools/bench_report.h"
#include "engine/tools/bench_system.h"

namespace fs = std::filesystem;

namespace ibllm::bench {

namespace {

int default_threads() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

}  // namespace

nlohmann::json run_bench_child(const std::string& self, std::vector<std::string> args, const std::string& out_path,
                               const std::string& format, const std::string& key) {
    std::error_code ec;
    fs::remove(out_path, ec);
    args.push_back("--launched-ns");
    args.push_back(std::to_string(monotonic_ns()));
    std::vector<char*> argv;
    std::string program = self;
    argv.push_back(program.data());
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid < 0) return {{key, format}, {"error", "could not start a process for it"}};
    if (pid == 0) {
        execv(self.c_str(), argv.data());
        std::perror("ibllm-bench: execv");
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    std::ifstream in(out_path);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && in) {
        try {
            return nlohmann::json::parse(in);
        } catch (const std::exception&) {
        }
    }
    if (WIFSIGNALED(status))
        return {{key, format},
                {"error", "its process was killed by signal " + std::to_string(WTERMSIG(status)) +
                              (WTERMSIG(status) == SIGKILL ? " (out of memory?)" : "")}};
    return {{key, format}, {"error", "its process failed (exit status " + std::to_string(WEXITSTATUS(status)) + "; see above)"}};
}

int run_format_process(const Options& o) {
    FormatRunSettings s;
    s.scale = scale_named(get(o, "scale", "7b"));
    s.format = get(o, "format", "bf16");
    s.threads = get_int(o, "threads", default_threads());
    s.context = get_int(o, "context", 2048);
    s.decode_tokens = get_int(o, "decode-tokens", s.scale.default_decode_tokens);
    s.repeats = get_int(o, "repeat", s.scale.default_repeats);
    s.encoders = get(o, "time-encoders", "1") == "1";
    s.agreement = !flag(o, "no-agreement");
    s.launched_ns = std::stoll(get(o, "launched-ns", std::to_string(monotonic_ns())));
    s.files = ensure_bench_checkpoints(s.scale, get(o, "cache-dir", default_cache_root()), !flag(o, "no-encoders"),
                                       get(o, "tokenizer", ""));
    const nlohmann::json result = run_format(s);
    const std::string out = get(o, "out", "");
    if (out.empty()) {
        std::printf("%s\n", result.dump(2).c_str());
        return 0;
    }
    std::ofstream f(out);
    f << result.dump();
    return f ? 0 : 1;
}

int run_benchmark(const Options& o, const std::string& self) {
    const BenchScale scale = scale_named(get(o, "scale", "7b"));
    const int threads = get_int(o, "threads", default_threads());
    const int decode_tokens = get_int(o, "decode-tokens", scale.default_decode_tokens);
    if (decode_tokens < 2) throw Error("--decode-tokens must be at least 2.");
    const bool with_imagebind = !flag(o, "no-encoders");
    const std::string cache = get(o, "cache-dir", default_cache_root());
    std::vector<std::string> formats = split(get(o, "formats", "bf16,int8,q4"));
    for (const std::string& f : formats)
        if (bytes_per_weight(f, 1) == 0) throw Error("Unknown weight format '" + f + "' in --formats; use bf16, int8 and q4.");

    RunInfo run;
    run.scale = scale;
    run.cpu = cpu_model();
    run.threads = threads;
    run.memory_gib = total_memory_gib();
    run.imagebind = with_imagebind;

    const BenchModelFiles files = ensure_bench_checkpoints(scale, cache, with_imagebind, get(o, "tokenizer", ""));
    if (flag(o, "prepare-only")) {
        std::printf("checkpoints ready:\n  %s\n  %s\n", files.llama_dir.c_str(), files.imagebind.empty() ? "(no ImageBind)" : files.imagebind.c_str());
        return 0;
    }
    clear_run_dir(files.run_dir);

    // Measured before and after the formats; the better of the two is the bound, since
    // other processes on a shared machine can only make a measurement lower.
    auto bandwidth = [&](const char* when) {
        std::fprintf(stderr, "Measuring the memory bandwidth %s (1 GiB buffers, %d threads)\n", when, threads);
        const Bandwidth bw = measure_bandwidth(threads);
        std::fprintf(stderr, "read %.1f GB/s, copy %.1f GB/s\n", bw.read_gbs, bw.copy_gbs);
        run.bandwidth_gbs = std::max(run.bandwidth_gbs, bw.read_gbs);
        run.copy_gbs = std::max(run.copy_gbs, bw.copy_gbs);
        return bw.read_gbs;
    };
    run.bandwidth_first_gbs = bandwidth("first");

    std::vector<nlohmann::json> results;
    nlohmann::json encode_s, encode_first;
    std::string encode_format;
    for (const std::string& f : formats) {
        if (!format_available(f)) {
            nlohmann::json r = {{"format", f},
                                {"available", false},
                                {"note", "not available in this build"}};
            results.push_back(r);
            continue;
        }
        std::fprintf(stderr, "\n== %s: a fresh process (%.1f GiB of memory available) ==\n", f.c_str(), available_memory_gib());
        std::vector<std::string> args = {"measure-format", "--format", f, "--scale", scale.name, "--cache-dir", cache,
                                         "--threads", std::to_string(threads), "--decode-tokens", std::to_string(decode_tokens),
                                         "--out", (fs::path(files.run_dir) / (f + ".json")).string()};
        for (const char* passed : {"context", "repeat", "tokenizer"})
            if (o.count(passed)) args.insert(args.end(), {std::string("--") + passed, o.at(passed)});
        // The encoders do not depend on the LLaMA weight format: the first format times them.
        args.insert(args.end(), {"--time-encoders", encode_s.is_null() && with_imagebind ? "1" : "0"});
        if (!with_imagebind) args.push_back("--no-encoders");
        if (flag(o, "no-agreement")) args.push_back("--no-agreement");
        nlohmann::json r = run_bench_child(self, args, (fs::path(files.run_dir) / (f + ".json")).string(), f);
        if (r.contains("encode_s") && r["encode_s"].is_object() && encode_s.is_null()) {
            encode_s = r["encode_s"];
            encode_first = r.value("encode_first_call_s", nlohmann::json());
            encode_format = f;
        } else if (!encode_s.is_null() && !r.contains("error")) {
            r["encode_s"] = encode_s;
            r["encode_first_call_s"] = encode_first;
            r["encode_note"] = "encoders timed in the " + encode_format + " run (they do not depend on the LLaMA weight format)";
        }
        results.push_back(r);
    }

    std::optional<double> reference;
    run.reference_message = "not run (pass --reference-python)";
    if (flag(o, "reference-python")) {
        std::fprintf(stderr, "\n== reference-style decode loop (Python, bf16) ==\n");
        const ReferenceResult ref = run_reference_decode(scale, threads, 64, decode_tokens);
        reference = ref.tokens_per_s;
        run.reference_message = ref.message;
        std::fprintf(stderr, "[reference] %s\n", ref.message.c_str());
    }

    run.bandwidth_last_gbs = bandwidth("again");

    for (nlohmann::json& r : results) {
        r["bandwidth_gbs"] = run.bandwidth_gbs;
        r["copy_gbs"] = run.copy_gbs;
        r["scale"] = scale.name;
        const std::string f = r.value("format", "");
        const double bytes = decode_weight_bytes(scale, f);
        r["weight_bytes_per_token"] = bytes;
        r["decode_bound_tokens_per_s"] = run.bandwidth_gbs * 1e9 / bytes;
        r["reference_decode_tokens_per_s"] = reference ? nlohmann::json(*reference) : nlohmann::json(nullptr);
        if (r.contains("decode_tokens_per_s") && r["decode_tokens_per_s"].is_number()) {
            const double tps = r["decode_tokens_per_s"].get<double>();
            r["decode_bandwidth_fraction"] = tps * bytes / (run.bandwidth_gbs * 1e9);
            if (r.contains("decode_adjacent_bandwidth_gbs") && r["decode_adjacent_bandwidth_gbs"].get<double>() > 0)
                r["decode_adjacent_bandwidth_fraction"] = tps * bytes / (r["decode_adjacent_bandwidth_gbs"].get<double>() * 1e9);
            if (reference && *reference > 0) r["decode_vs_reference"] = tps / *reference;
        }
        complete_result(r);
    }

    if (flag(o, "json"))
        print_json(results);
    else
        print_table(run, results);
    if (const std::string path = get(o, "json-file", ""); !path.empty()) {
        std::ofstream f(path);
        nlohmann::json array(results);
        f << array.dump(2) << "\n";
        if (!f) throw Error("Cannot write " + path + "; choose a writable --json-file.");
    }
    return 0;
}

}  // namespace ibllm::bench
