// `ibllm-bench train`: one training step of each phase at the benchmark's real shapes (random
// weights in the real files), timed, with its peak memory, against the same step of a
// reference-style PyTorch loop (reference_train.py) on the same CPU, shape and precision.
// Each configuration runs in a process of its own, so its peak RSS is its own.
#include "engine/tools/bench_train.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/optim/adamw.h>

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine/tools/bench_checkpoints.h"
#include "engine/tools/bench_run.h"
#include "engine/tools/bench_system.h"
#include "engine/engine.h"
#include "engine/train/data_parallel.h"
#include "engine/train/training_model.h"

namespace fs = std::filesystem;

namespace ibllm::bench {

namespace {

int threads_of(const Options& o) { return get_int(o, "threads", static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))); }

std::string quoted(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// reference_train.py at the same shape; empty object with "skipped" when python3-torch is missing.
nlohmann::json run_reference_step(const BenchScale& s, const std::string& phase, int batch, int max_words, int steps, int threads,
                                  const std::string& precision) {
    if (std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0)
        return {{"skipped", "/usr/bin/python3 cannot import torch (Debian's python3-torch is not installed)"}};
    const std::string script = find_project_file("engine/tools/reference_train.py", "reference_train.py");
    if (script.empty()) return {{"skipped", "reference_train.py was found neither next to ibllm-bench nor in the source tree"}};
    const std::string cmd = "/usr/bin/python3 " + quoted(script) + " --dim " + std::to_string(s.dim) + " --layers " +
                            std::to_string(s.layers) + " --heads " + std::to_string(s.heads) + " --multiple-of " +
                            std::to_string(s.multiple_of) + " --vocab " + std::to_string(s.vocab) + " --lora-rank " +
                            std::to_string(s.lora_rank) + " --visual-dim " + std::to_string(s.visual_dim) + " --batch " +
                            std::to_string(batch) + " --max-words " + std::to_string(max_words) + " --steps " +
                            std::to_string(steps) + " --threads " + std::to_string(threads) + " --phase " + phase + " --precision " + precision;
    std::fprintf(stderr, "[reference] %s\n", cmd.c_str());
    FILE* pipe = popen(cmd.c_str(), "r");
    if (!pipe) return {{"error", "could not start /usr/bin/python3"}};
    std::string out;
    char buf[4096];
    while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
    const int status = pclose(pipe);
    const size_t start = out.rfind('{');
    if (status != 0 || start == std::string::npos) return {{"error", "reference_train.py failed (exit " + std::to_string(status) + ")"}};
    try {
        return nlohmann::json::parse(out.substr(start));
    } catch (const std::exception& e) {
        return {{"error", std::string("unreadable result: ") + e.what()}};
    }
}

}  // namespace

// One configuration, in its own process: builds the training model from the bench files,
// runs one untimed and `steps` timed steps of forward, backward and AdamW.
int run_train_step_process(const Options& o) {
    const BenchScale scale = scale_named(get(o, "scale", "1.3b"));
    const std::string phase = get(o, "phase", "finetune");
    const int batch = get_int(o, "batch", 1), max_words = get_int(o, "max-words", 512), steps = get_int(o, "steps", 2);
    const bool checkpointing = get(o, "checkpointing", "0") == "1";
    const std::string precision = get(o, "precision", "bf16");
    at::set_num_threads(threads_of(o));
    const BenchModelFiles files = ensure_bench_checkpoints(scale, get(o, "cache-dir", default_cache_root()), false, get(o, "tokenizer", ""));

    const auto t0 = std::chrono::steady_clock::now();
    TrainingModelOptions mo;
    mo.llama_dir = files.llama_dir;
    // The bench adapter is a fine-tuned one (LoRA, biases); pre-training starts from nothing.
    mo.adapter = phase == "finetune" ? files.adapter : "";
    mo.phase = parse_training_phase(phase);
    mo.precision = parse_precision(precision);
    mo.vocab_size = scale.vocab;
    mo.visual_dim = scale.visual_dim;
    mo.max_seq_len = max_words;
    const TrainingModel model(mo);
    // --nproc: this process is one rank of a data-parallel run (RANK etc. set by the parent).
    TrainOptions dist;
    dist.rank = std::getenv("RANK") ? std::atoi(std::getenv("RANK")) : 0;
    dist.world_size = std::getenv("WORLD_SIZE") ? std::atoi(std::getenv("WORLD_SIZE")) : 1;
    dist.master_port = std::getenv("MASTER_PORT") ? std::atoi(std::getenv("MASTER_PORT")) : 29500;
    DataParallel dp(dist);
    const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::vector<at::Tensor> decay, no_decay;
    int64_t trained = 0;
    for (const NamedParameter& p : model.trainable()) {
        (gets_weight_decay(p.name, p.tensor.dim()) ? decay : no_decay).push_back(p.tensor);
        trained += p.tensor.numel();
    }
    std::vector<torch::optim::OptimizerParamGroup> groups;
    auto opts = [](double wd) {
        return std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(1e-4).betas({0.9, 0.95}).weight_decay(wd));
    };
    if (!no_decay.empty()) groups.emplace_back(no_decay, opts(0.0));
    if (!decay.empty()) groups.emplace_back(decay, opts(0.05));
    torch::optim::AdamW optimizer(groups, torch::optim::AdamWOptions(1e-4));

    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(0);
    const at::Tensor tokens = at::randint(3, scale.vocab, {batch, max_words}, gen, at::kLong);
    at::Tensor labels = tokens.clone();
    labels.narrow(1, 0, max_words / 4).zero_();  // the prompt part carries no label
    const at::Tensor feats = at::randn({batch, scale.visual_dim}, gen);
    std::vector<double> times;
    double forward_s = 0, backward_s = 0, update_s = 0;
    const int warmup = steps > 0 ? 1 : 0;  // an untimed first step, unless it is the only one
    auto since = [](std::chrono::steady_clock::time_point t) {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
    };
    for (int s = 0; s < std::max(steps, 1) + warmup; ++s) {
        const auto t = std::chrono::steady_clock::now();
        const at::Tensor loss = model.loss(tokens, labels, feats, checkpointing);
        const double f = since(t);
        loss.backward();
        dp.average_gradients(model.trainable_tensors(), s);
        const double b = since(t) - f;
        optimizer.step();
        optimizer.zero_grad();
        const double dt = since(t);
        if (s >= warmup) {
            times.push_back(dt);
            if (dt == *std::min_element(times.begin(), times.end())) forward_s = f, backward_s = b, update_s = dt - f - b;
        }
        std::fprintf(stderr, "[%s b%d%s] step %d: %.2f s (forward %.2f, backward %.2f, AdamW %.2f)\n", phase.c_str(), batch,
                     checkpointing ? " ckpt" : "", s, dt, f, b, dt - f - b);
    }
    const double best = *std::min_element(times.begin(), times.end());
    nlohmann::json r = {{"phase", phase},        {"batch", batch},          {"max_words", max_words},
                        {"checkpointing", checkpointing}, {"precision", precision}, {"step_s", best},
                        {"tokens_per_s", batch * max_words / best}, {"peak_rss_gib", peak_rss_gib()},
                        {"load_s", load_s},      {"trained_params", trained},
                        {"forward_s", forward_s}, {"backward_s", backward_s}, {"adamw_s", update_s},
                        {"world_size", dp.world_size()}, {"allreduce_s", dp.allreduce_seconds() / (std::max(steps, 1) + warmup)}};
    if (dp.world_size() > 1) r["tokens_per_s"] = dp.world_size() * batch * max_words / best;
    const std::string out = get(o, "out", "");
    if (out.empty()) {
        std::printf("%s\n", r.dump(2).c_str());
        return 0;
    }
    std::ofstream(out) << r.dump();
    return 0;
}

int run_train_benchmark(const Options& o, const std::string& self) {
    // As `ibllm-cli train` runs (see app/cli/main.cpp), and the reference in the same setting:
    // OpenMP threads wait passively next to OpenBLAS's threads.
    if (!std::getenv("OMP_WAIT_POLICY")) ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    const BenchScale scale = scale_named(get(o, "scale", "1.3b"));
    const int threads = threads_of(o), max_words = get_int(o, "max-words", 512), steps = get_int(o, "steps", 2);
    const std::vector<std::string> phases = split(get(o, "phases", "pretrain,finetune"));
    const std::vector<std::string> batches = split(get(o, "batches", "1,4"));
    const std::vector<std::string> nprocs = split(get(o, "nproc", "1"));
    const std::string cache = get(o, "cache-dir", default_cache_root());
    const BenchModelFiles files = ensure_bench_checkpoints(scale, cache, false, get(o, "tokenizer", ""));
    std::printf("ibllm-bench train: scale %s (dim %lld, %lld layers), %d threads, max-words %d, %s, load average %.2f\n",
                scale.name.c_str(), static_cast<long long>(scale.dim), static_cast<long long>(scale.layers), threads, max_words,
                cpu_model().c_str(), load_average_1m());
    std::printf("%-9s %5s %5s %5s %10s %12s %10s %10s %12s %12s %8s\n", "phase", "batch", "ckpt", "procs", "step s", "tokens/s",
                "peak GiB", "reduce s", "ref step s", "ref GiB", "ratio");
    nlohmann::json all = nlohmann::json::array();
    for (const std::string& phase : phases) {
        for (const std::string& b : batches) {
            const int batch = std::stoi(b);
            for (const bool ckpt : {false, true}) {
                if (ckpt && get(o, "checkpointing", "both") == "off") continue;
                if (!ckpt && get(o, "checkpointing", "both") == "on") continue;
                for (const std::string& np : nprocs) {
                    const int n = std::stoi(np);
                    const std::string label = phase + "-b" + b + (ckpt ? "-ckpt" : "") + "-n" + np;
                    const std::string out = (fs::path(files.run_dir) / (label + ".json")).string();
                    std::vector<std::string> args = {"train-step", "--scale", scale.name, "--phase", phase, "--batch", b,
                                                     "--max-words", std::to_string(max_words), "--steps", std::to_string(steps),
                                                     "--checkpointing", ckpt ? "1" : "0", "--threads",
                                                     std::to_string(std::max(1, threads / n)), "--cache-dir", cache, "--precision",
                                                     get(o, "precision", "bf16"), "--out", out};
                    nlohmann::json r;
                    if (n == 1) {
                        r = run_bench_child(self, args, out, label, "config");
                    } else {
                        // Ranks 1..n-1 write their results elsewhere; rank 0's are reported.
                        const std::string port = std::to_string(29500 + (std::rand() % 2000));
                        ::setenv("WORLD_SIZE", np.c_str(), 1);
                        ::setenv("MASTER_ADDR", "127.0.0.1", 1);
                        ::setenv("MASTER_PORT", port.c_str(), 1);
                        std::vector<std::thread> others;
                        for (int rank = 1; rank < n; ++rank) {
                            ::setenv("RANK", std::to_string(rank).c_str(), 1);
                            std::vector<std::string> a = args;
                            a.back() = out + ".rank" + std::to_string(rank);
                            others.emplace_back([=] { run_bench_child(self, a, a.back(), label, "config"); });
                            std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the fork take RANK
                        }
                        ::setenv("RANK", "0", 1);
                        r = run_bench_child(self, args, out, label, "config");
                        for (auto& t : others) t.join();
                        ::unsetenv("RANK");
                        ::unsetenv("WORLD_SIZE");
                    }
                    nlohmann::json ref;
                    if (!ckpt && n == 1 && o.count("reference-python"))
                        ref = run_reference_step(scale, phase, batch, max_words, steps, threads,
                                                 get(o, "reference-precision", get(o, "precision", "bf16")));
                    r["reference"] = ref;
                    const bool ok = !r.contains("error");
                    const bool ref_ok = ref.contains("step_s");
                    std::printf("%-9s %5d %5s %5d %10s %12s %10s %10s %12s %12s %8s\n", phase.c_str(), batch, ckpt ? "on" : "off", n,
                                ok ? std::to_string(r["step_s"].get<double>()).substr(0, 6).c_str() : "failed",
                                ok ? std::to_string(static_cast<int>(r["tokens_per_s"].get<double>())).c_str() : "-",
                                ok ? std::to_string(r["peak_rss_gib"].get<double>()).substr(0, 5).c_str() : "-",
                                ok ? std::to_string(r.value("allreduce_s", 0.0)).substr(0, 5).c_str() : "-",
                                ref_ok ? std::to_string(ref["step_s"].get<double>()).substr(0, 6).c_str() : "-",
                                ref_ok ? std::to_string(ref["peak_rss_gib"].get<double>()).substr(0, 5).c_str() : "-",
                                ok && ref_ok ? (std::to_string(ref["step_s"].get<double>() / r["step_s"].get<double>()).substr(0, 4) + "x").c_str()
                                             : "-");
                    std::fflush(stdout);
                    if (ref.contains("skipped")) std::printf("  reference skipped: %s\n", ref["skipped"].get<std::string>().c_str());
                    if (!ok) std::printf("  %s\n", r["error"].get<std::string>().c_str());
                    all.push_back(r);
                }
            }
        }
    }
    if (o.count("json-file")) std::ofstream(get(o, "json-file", "")) << all.dump(2);
    std::printf("ratio: the reference step's time over ours (above 1: ours is faster). tokens/s counts every process's tokens;\n"
                "reduce s: all-reduce seconds per step on rank 0 (data parallel, --nproc).\n");
    return 0;
}

}  // namespace ibllm::bench
