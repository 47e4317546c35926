// ibllm-bench: the benchmark program (not a test: it prints figures and asserts
// nothing). See docs/performance.md for what it measures and the figures of this machine.
//
//   ibllm-bench [--scale 7b|1.3b|tiny] [--formats bf16,int8,q4] [--json] [--json-file PATH] [--reference-python]
//               [--decode-tokens N] [--repeat N] [--threads N] [--context N]
//               [--cache-dir DIR] [--tokenizer PATH] [--no-encoders] [--no-agreement] [--prepare-only]
//   ibllm-bench encoders [--precision fp32|bf16|both] [--modalities image,audio,...]
//                        [--threads N] [--repeat N]
//   ibllm-bench kernels [--scale 7b|1.3b|tiny] [--formats bf16,int8,q4] [--threads N] [--repeat N]
//   ibllm-bench train [--scale 7b|1.3b|tiny] [--phases pretrain,finetune] [--batches 1,4] [--max-words 512]
//                     [--steps 2] [--checkpointing both|on|off] [--precision bf16|fp32] [--reference-python]
//   ibllm-bench serve [--model DIR | --scale 1.3b|7b|tiny] [--weights bf16|int8|q4] [--decode-tokens 32] [--repeat 3]
//   ibllm-bench --family onellm [--scale 7b|1.3b|tiny] [--weights bf16|int8|q4] [--modalities image,...]
//               [--decode-tokens N] [--repeat N] [--threads N] [--cache-dir DIR] [--prepare-only]
#include <ATen/Parallel.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "engine/engine.h"
#include "engine/error.h"
#include "engine/tools/bench_encoders.h"
#include "engine/tools/bench_kernels.h"
#include "engine/tools/bench_onellm.h"
#include "engine/tools/bench_run.h"
#include "engine/tools/bench_serve.h"
#include "engine/tools/bench_train.h"

namespace {

constexpr const char* kUsage =
    "usage: ibllm-bench [--scale 7b|1.3b|tiny] [--formats bf16,int8,q4] [--json] [--json-file PATH]\n"
    "                   [--reference-python] [--decode-tokens N] [--repeat N] [--threads N] [--context N]\n"
    "                   [--cache-dir DIR] [--tokenizer PATH] [--no-encoders] [--no-agreement] [--prepare-only]\n"
    "       ibllm-bench encoders [--precision fp32|bf16|both] [--modalities image,audio,video,point,text,depth,thermal,imu]\n"
    "                            [--threads N] [--repeat N]\n"
    "       ibllm-bench kernels [--scale 7b|1.3b|tiny] [--formats bf16,int8,q4] [--threads N] [--repeat N]\n"
    "       ibllm-bench train [--scale 7b|1.3b|tiny] [--phases pretrain,finetune] [--batches 1,4] [--max-words 512]\n"
    "                         [--steps 2] [--checkpointing both|on|off] [--precision bf16|fp32] [--reference-python]\n"
    "                         [--reference-precision bf16|fp32] [--nproc 1,2] [--json-file PATH]\n"
    "                         (--steps 0: one step, timed with its first-call set-up)\n"
    "       ibllm-bench serve [--model DIR | --scale 1.3b|7b|tiny] [--weights bf16|int8|q4] [--decode-tokens 32]\n"
    "                         [--repeat 3] [--threads N]   (ask in process against ibllm-cli serve's stream)\n"
    "       ibllm-bench --family onellm [--scale 7b|1.3b|tiny] [--weights bf16|int8|q4] [--modalities image,...]\n"
    "                   [--decode-tokens N] [--repeat N] [--threads N] [--cache-dir DIR] [--prepare-only]\n"
    "\n"
    "The first run writes random-weight checkpoints at the real shapes into ~/.cache/imagebind-llm-bench\n"
    "(7b: about 21 GB with ImageBind-huge; 1.3b: about 8 GB); later runs reuse them.\n";

// Options that take no value.
const std::set<std::string> kFlags = {"json", "reference-python", "no-encoders", "no-agreement", "prepare-only", "help"};

bool parse(int argc, char** argv, int first, std::map<std::string, std::string>& opts) {
    for (int i = first; i < argc; ++i) {
        if (std::strncmp(argv[i], "--", 2) != 0) {
            std::fprintf(stderr, "ibllm-bench: unexpected '%s'\n%s", argv[i], kUsage);
            return false;
        }
        const std::string key = argv[i] + 2;
        if (kFlags.count(key)) {
            opts[key] = "1";
        } else if (i + 1 < argc) {
            opts[key] = argv[++i];
        } else {
            std::fprintf(stderr, "ibllm-bench: --%s needs a value\n%s", key.c_str(), kUsage);
            return false;
        }
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    // As the programs it measures (bench train sets its own policy for its child processes).
    if (!(argc > 1 && (std::strcmp(argv[1], "train") == 0 || std::strcmp(argv[1], "train-step") == 0)))
        ibllm::restart_with_openmp_waiting(argv, ibllm::OpenMpWaiting::Inference);
    std::string command = argc > 1 && std::strncmp(argv[1], "--", 2) != 0 ? argv[1] : "run";
    const int first = command == "run" && !(argc > 1 && std::strcmp(argv[1], "run") == 0) ? 1 : 2;
    if (command != "run" && command != "encoders" && command != "kernels" && command != "measure-format" && command != "train" &&
        command != "train-step" && command != "serve") {
        std::fprintf(stderr, "ibllm-bench: unknown command '%s'\n%s", command.c_str(), kUsage);
        return 2;
    }
    std::map<std::string, std::string> opts;
    if (!parse(argc, argv, first, opts)) return 2;
    if (opts.count("help")) {
        std::printf("%s", kUsage);
        return 0;
    }
    try {
        if (command == "encoders" || command == "kernels") {
            at::set_num_threads(opts.count("threads") ? std::stoi(opts["threads"])
                                                      : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
            return command == "encoders" ? ibllm::bench::run_encoders(opts) : ibllm::bench::run_kernels(opts);
        }
        if (command == "measure-format") return ibllm::bench::run_format_process(opts);
        if (command == "train-step") return ibllm::bench::run_train_step_process(opts);
        std::error_code ec;
        const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
        if (command == "run" && opts.count("family") && opts["family"] == "onellm") return ibllm::bench::run_onellm_benchmark(opts);
        if (command == "run" && opts.count("family") && opts["family"] != "imagebind-llm")
            throw ibllm::Error("Unknown --family '" + opts["family"] + "'; use imagebind-llm or onellm.");
        if (command == "train") return ibllm::bench::run_train_benchmark(opts, ec ? std::string(argv[0]) : self);
        if (command == "serve") return ibllm::bench::run_serve_benchmark(opts, ec ? std::string(argv[0]) : self);
        return ibllm::bench::run_benchmark(opts, ec ? std::string(argv[0]) : self);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ibllm-bench: %s\n", e.what());
        return 1;
    }
}
