#include "engine/tools/bench_reference.h"

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "engine/tools/bench_checkpoints.h"
#include "engine/tools/bench_system.h"

namespace ibllm::bench {

namespace {

constexpr const char* kPython = "/usr/bin/python3";

// Single-quoted for /bin/sh.
std::string quoted(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

}  // namespace

ReferenceResult run_reference_decode(const BenchScale& scale, int threads, int prompt_tokens, int steps) {
    ReferenceResult r;
    if (std::system((std::string(kPython) + " -c 'import torch' >/dev/null 2>&1").c_str()) != 0) {
        r.message = "skipped: /usr/bin/python3 cannot import torch (Debian's python3-torch is not installed)";
        return r;
    }
    const std::string script = find_project_file("engine/tools/reference_decode.py");
    if (script.empty()) {
        r.message = "skipped: reference_decode.py was found neither next to ibllm-bench nor in the source tree";
        return r;
    }
    const std::string command = std::string(kPython) + " " + quoted(script) + " --dim " + std::to_string(scale.dim) +
                                " --layers " + std::to_string(scale.layers) + " --heads " + std::to_string(scale.heads) +
                                " --multiple-of " + std::to_string(scale.multiple_of) + " --vocab " + std::to_string(scale.vocab) +
                                " --lora-rank " + std::to_string(scale.lora_rank) + " --prompt-tokens " +
                                std::to_string(prompt_tokens) + " --steps " + std::to_string(steps) + " --threads " +
                                std::to_string(threads);
    std::fprintf(stderr, "[reference] %s\n", command.c_str());
    char load[64];
    std::snprintf(load, sizeof load, "; load average %.2f at its start", load_average_1m());
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) {
        r.message = "failed: could not start " + std::string(kPython);
        return r;
    }
    std::string output;
    char buf[4096];
    while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) output.append(buf, n);
    const int status = pclose(pipe);
    const size_t start = output.rfind('{');
    if (status != 0 || start == std::string::npos) {
        r.message = "failed: reference_decode.py exited with status " + std::to_string(status) + " (see its messages above)";
        return r;
    }
    try {
        const nlohmann::json j = nlohmann::json::parse(output.substr(start));
        r.tokens_per_s = j.at("tokens_per_s").get<double>();
        r.message = "reference-style decode loop, Debian torch " + j.value("torch", std::string("?")) + ", bf16, " +
                    std::to_string(j.value("threads", 0)) + " threads, " + std::to_string(steps) + " steps after a " +
                    std::to_string(prompt_tokens) + "-token prompt" + load;
    } catch (const std::exception& e) {
        r.message = std::string("failed: could not read the script's result (") + e.what() + ")";
    }
    return r;
}

}  // namespace ibllm::bench
