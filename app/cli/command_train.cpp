// `ibllm-cli train`: ImageBind-LLM's tuning phases from the command line. The engine runs
// the loop; this file gives it the ImageBind encoders (through the app's media decoding),
// draws the progress bar and turns Ctrl-C into a clean, resumable stop.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "app/attachment_decoder.h"
#include "app/cli/arguments.h"
#include "app/cli/commands.h"
#include "engine/engine.h"

namespace fs = std::filesystem;

namespace ibllm::cli {

namespace {

const char* kTrainUsage =
    "usage: ibllm-cli train PHASE [options]\n"
    "phases:\n"
    "  pretrain   image-caption pairs (url<TAB>caption CSV): trains the gates, the bind network and the prefix queries\n"
    "  finetune   instructions (LLaVA / Alpaca JSON): trains every LLaMA norm, bias and LoRA tensor\n"
    "  tokenizer  the solids world's SentencePiece model: --data WORLD_DIR[,WORLD_DIR...] --out DIR [--vocab-size 600]\n"
    "  base       a LLaMA of its own as a causal LM on text (world folders or .txt, comma-separated --data), written as\n"
    "             params.json + consolidated.00.pth: --llama DIR to continue one, or --dim D --layers L --heads H\n"
    "             [--multiple-of 32] for a new one; --max-words defaults to 128\n"
    "  imagebind  the ImageBind encoders from scratch on world folders (--data DIR[,DIR...]): --imagebind-config FILE\n"
    "             --out DIR [--stage text|modalities|all] [--imagebind FILE (an earlier stage's imagebind.pth)]\n"
    "             [--batch-size 36 (per rank; the global batch holds at most one file per shape-colour class)]\n"
    "             [--augment (a fresh crop of an image, gain and noise of a sound, jitter and 90% of a cloud's\n"
    "             points at each use)] [--save-dtype fp32|bf16]; writes OUT/imagebind.pth and OUT/imagebind_config.json, and with\n"
    "             --save-every-epoch (or on Ctrl-C) OUT/checkpoint-<stage>-<when>.pth for --resume\n"
    "options:\n"
    "  --llama DIR --tokenizer FILE [--adapter FILE]\n"
    "  [--imagebind FILE [--imagebind-config FILE]] --data FILE(.csv|.json|.yaml) --out DIR\n"
    "  [--epochs 1] [--warmup-epochs 0] [--blr 1e-3] [--min-lr 0] [--weight-decay 0.05]\n"
    "  [--batch-size 4] [--accum-iter 1] [--max-words 96 (pretrain) | 512 (finetune)] [--clip-grad X]\n"
    "  [--seed 0] [--no-shuffle] [--augment] [--blank-embedding FILE.npy] [--precision fp32|bf16]\n"
    "  [--checkpointing] [--threads N] [--save-every-step] [--save-every-epoch] [--resume FILE]\n"
    "data parallel (torch's c10d with Gloo; the variables RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT\n"
    "as torchrun sets them, or):\n"
    "  [--nproc N] (start N local workers) [--rank R --world-size W] [--master-addr 127.0.0.1] [--master-port 29500]\n"
    "  [--backend gloo] [--timeout 300]\n"
    "writes OUT/adapter.pth (the release's adapter format), OUT/log.jsonl and, on request, checkpoints.\n";

std::atomic<bool> g_interrupt{false};

extern "C" void on_sigint(int) { g_interrupt.store(true); }

std::string clock_text(double seconds) {
    const long s = static_cast<long>(seconds + 0.5);
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    else
        std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    return buf;
}

// The encoder's identity for the embedding cache: a changed checkpoint or config file
// (size or time) gives other keys.
std::string file_identity(const std::string& path) {
    if (path.empty()) return "-";
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    const auto time = fs::last_write_time(path, ec).time_since_epoch().count();
    return fs::absolute(path, ec).string() + ":" + std::to_string(size) + ":" + std::to_string(time);
}

std::vector<pid_t> g_workers;
extern "C" void forward_signal(int sig) {
    for (pid_t p : g_workers) ::kill(p, sig);
}

// `--nproc N`, as `torchrun --nproc_per_node N`: N copies of this command, each with RANK,
// WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE and MASTER_ADDR set; Ctrl-C is passed
// on to them. The exit code is the first failing worker's (rank 0's on success). They meet in
// `rendezvous` (a FileStore, IBLLM_RENDEZVOUS_FILE), not at a port: a local run opens no port
// that other machines could reach.
int launch_local_workers(int argc, char** argv, int n, const std::string& rendezvous) {
    std::vector<std::string> args;
    for (int i = 0; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--nproc") {
            ++i;
            continue;
        }
        args.push_back(a);
    }
    const std::string self = fs::read_symlink("/proc/self/exe").string();
    std::error_code ec;
    fs::create_directories(fs::path(rendezvous).parent_path(), ec);
    fs::remove(rendezvous, ec);  // a FileStore must start empty
    struct sigaction sa = {};
    sa.sa_handler = forward_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    for (int r = 0; r < n; ++r) {
        const pid_t pid = ::fork();
        if (pid < 0) throw Error("Could not start training worker " + std::to_string(r) + "; the system is out of processes.");
        if (pid == 0) {
            // Its own process group: a terminal's Ctrl-C reaches the launcher alone, which
            // passes it on once (a worker's second Ctrl-C would stop it at once).
            ::setpgid(0, 0);
            ::setenv("RANK", std::to_string(r).c_str(), 1);
            ::setenv("LOCAL_RANK", std::to_string(r).c_str(), 1);
            ::setenv("WORLD_SIZE", std::to_string(n).c_str(), 1);
            ::setenv("LOCAL_WORLD_SIZE", std::to_string(n).c_str(), 1);
            ::setenv("MASTER_ADDR", "127.0.0.1", 1);
            ::setenv("IBLLM_RENDEZVOUS_FILE", rendezvous.c_str(), 1);
            std::vector<char*> cargs;
            for (std::string& a : args) cargs.push_back(a.data());
            cargs.push_back(nullptr);
            ::execv(self.c_str(), cargs.data());
            std::perror("ibllm-cli: execv");
            ::_exit(127);
        }
        g_workers.push_back(pid);
    }
    int result = 0;
    for (size_t done = 0; done < g_workers.size(); ++done) {
        int status = 0;
        pid_t pid;
        while ((pid = ::wait(&status)) < 0 && errno == EINTR) {
        }
        const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (code != 0 && result == 0) result = code;
        if (pid == g_workers[0] && code == 0 && result == 0) result = 0;
    }
    fs::remove(rendezvous, ec);
    return result;
}

// `train tokenizer`: the solids world's SentencePiece model from world folders.
int run_train_tokenizer(int argc, char** argv) {
    Arguments args(argc, argv, 3, {"data", "out", "vocab-size"}, {});
    std::vector<std::string> dirs;
    std::stringstream in(args.require("data"));
    std::string dir;
    while (std::getline(in, dir, ','))
        if (!dir.empty()) dirs.push_back(dir);
    const std::string out = args.require("out");
    const int vocab = static_cast<int>(args.get_int("vocab-size", 600));
    if (vocab < 300 || vocab > 32000) throw UsageError("--vocab-size must be between 300 (the 259 byte and control pieces and more) and 32000.");
    train_world_tokenizer(dirs, out, vocab);
    std::printf("Wrote %s/tokenizer.model (%d pieces)\n", out.c_str(), vocab);
    return 0;
}

}  // namespace

int run_train(int argc, char** argv) {
    if (argc < 3 || std::string(argv[2]) == "--help" || std::string(argv[2]) == "-h") {
        std::cout << kTrainUsage;
        return argc < 3 ? 2 : 0;
    }
    TrainOptions o;
    o.phase = argv[2];
    if (o.phase == "tokenizer") return run_train_tokenizer(argc, argv);
    if (o.phase != "pretrain" && o.phase != "finetune" && o.phase != "base" && o.phase != "imagebind")
        throw UsageError("unknown phase '" + o.phase + "'; use pretrain, finetune, base, imagebind or tokenizer (ibllm-cli train --help lists them).");
    const bool imagebind_phase = o.phase == "imagebind";
    const std::set<std::string> valued = {"llama", "tokenizer", "adapter", "imagebind", "imagebind-config", "data", "out",
                                          "epochs", "warmup-epochs", "blr", "min-lr", "weight-decay", "batch-size", "accum-iter",
                                          "max-words", "clip-grad", "seed", "blank-embedding", "precision", "threads", "resume",
                                          "nproc", "rank", "world-size", "master-addr", "master-port", "backend", "timeout",
                                          "dim", "layers", "heads", "multiple-of", "stage", "save-dtype"};
    const std::set<std::string> flags = {"no-shuffle", "augment", "checkpointing", "save-every-step", "save-every-epoch"};
    Arguments args(argc, argv, 3, valued, flags);
    if (!args.positionals().empty()) throw UsageError("train takes no positional arguments (got '" + args.positionals()[0] + "').");
    o.llama_dir = o.phase == "base" || imagebind_phase ? args.get("llama") : args.require("llama");
    o.base_dim = static_cast<int>(args.get_int("dim", 0));
    o.base_layers = static_cast<int>(args.get_int("layers", 0));
    o.base_heads = static_cast<int>(args.get_int("heads", 0));
    o.base_multiple_of = static_cast<int>(args.get_int("multiple-of", 32));
    if (o.phase != "base" && (args.has("dim") || args.has("layers") || args.has("heads")))
        throw UsageError("--dim, --layers and --heads size a new model for the base phase only.");
    if (o.phase == "base" && o.llama_dir.empty() && (o.base_dim <= 0 || o.base_layers <= 0 || o.base_heads <= 0))
        throw UsageError("the base phase needs --llama DIR to continue a model, or --dim, --layers and --heads for a new one.");
    o.tokenizer = imagebind_phase ? args.get("tokenizer") : args.require("tokenizer");
    if (!imagebind_phase && (args.has("stage") || args.has("save-dtype")))
        throw UsageError("--stage and --save-dtype belong to the imagebind phase.");
    o.imagebind_stage = args.get("stage", "all");
    o.save_dtype = args.get("save-dtype", "fp32");
    if (imagebind_phase) {
        o.imagebind = args.get("imagebind");
        o.imagebind_config = args.require("imagebind-config");
    }
    o.adapter = args.get("adapter");
    o.data = args.require("data");
    o.out = args.require("out");
    o.epochs = static_cast<int>(args.get_int("epochs", 1));
    o.warmup_epochs = args.get_double("warmup-epochs", 0);
    o.blr = args.get_double("blr", 1e-3);
    o.min_lr = args.get_double("min-lr", 0);
    o.weight_decay = args.get_double("weight-decay", 0.05);
    o.batch_size = static_cast<int>(args.get_int("batch-size", imagebind_phase ? 36 : 4));
    o.accum_iter = static_cast<int>(args.get_int("accum-iter", 1));
    o.max_words = static_cast<int>(args.get_int("max-words", 0));
    o.clip_grad = args.get_double("clip-grad", 0);
    o.seed = static_cast<uint64_t>(args.get_int("seed", 0));
    o.shuffle = !args.has("no-shuffle");
    o.augment = args.has("augment");
    o.blank_embedding = args.get("blank-embedding");
    o.precision = parse_precision(args.get("precision", "auto"));
    o.checkpointing = args.has("checkpointing");
    o.threads = static_cast<int>(args.get_int("threads", 0));
    o.save_every_step = args.has("save-every-step");
    o.save_every_epoch = args.has("save-every-epoch");
    o.resume = args.get("resume");
    // torchrun's variables first, the flags over them.
    auto env_int = [](const char* name, int fallback) {
        const char* v = std::getenv(name);
        return v && *v ? std::atoi(v) : fallback;
    };
    o.rank = static_cast<int>(args.get_int("rank", env_int("RANK", 0)));
    o.world_size = static_cast<int>(args.get_int("world-size", env_int("WORLD_SIZE", 1)));
    o.local_world_size = env_int("LOCAL_WORLD_SIZE", 1);
    o.master_addr = args.get("master-addr", std::getenv("MASTER_ADDR") ? std::getenv("MASTER_ADDR") : "127.0.0.1");
    o.master_port = static_cast<int>(args.get_int("master-port", env_int("MASTER_PORT", 29500)));
    o.backend = args.get("backend", "gloo");
    if (const char* file = std::getenv("IBLLM_RENDEZVOUS_FILE"); file && *file) o.rendezvous_file = file;
    o.timeout_s = static_cast<int>(args.get_int("timeout", 300));
    if (o.timeout_s < 1) throw UsageError("--timeout must be at least 1 second.");
    if (args.has("nproc")) {
        const int n = static_cast<int>(args.get_int("nproc", 1));
        if (n < 1 || n > 64) throw UsageError("--nproc must be between 1 and 64.");
        if (args.has("rank") || args.has("world-size") || std::getenv("RANK"))
            throw UsageError("--nproc starts the workers itself; leave out --rank, --world-size and RANK.");
        const fs::path out = args.get("out").empty() ? fs::temp_directory_path() : fs::path(args.get("out"));
        return launch_local_workers(argc, argv, n, (out / (".rendezvous-" + std::to_string(::getpid()))).string());
    }

    Engine engine;
    TrainHooks hooks;
    const std::string imagebind = args.get("imagebind");
    if (imagebind_phase) {
        // The encoders being trained are the engine's; the files reach them through the
        // app's decoders and the product's preprocessing.
        hooks.prepare = [](const std::string& path, Modality m) { return preprocess_input(app::decode_attachment(m, path)); };
        hooks.prepare_texts = [](const std::vector<std::string>& texts) { return preprocess_texts(texts); };
        hooks.decode = [](const std::string& path, Modality m) { return app::decode_attachment(m, path); };
        hooks.preprocess = [](const EncoderInput& in) { return preprocess_input(in); };
    } else if (!imagebind.empty()) {
        // ImageBind is frozen: its encoders run in float32, as `embed` does.
        engine.load_imagebind(imagebind, args.get("imagebind-config"), Precision::Fp32);
        hooks.embed = [&engine](const std::string& path, std::optional<uint64_t> augment_seed) {
            const std::optional<Modality> m = app::guess_modality(path);
            if (!m)
                throw Error(path + " is not a file type the app reads (image, audio, video, point cloud); convert it, or give "
                            "its ImageBind embedding as a .npy.");
            if (augment_seed && *m == Modality::Image) {
                EncoderInput in = app::decode_attachment(*m, path);
                in.image = random_resized_crop(in.image, *augment_seed);
                return engine.embed(in);
            }
            return app::encode_attachment(engine, *m, path);
        };
        hooks.blank_embedding = [&engine] { return engine.embed_blank_image(); };
        hooks.embedder_id = file_identity(imagebind) + "|" + file_identity(args.get("imagebind-config"));
    }
    const bool tty = isatty(STDERR_FILENO) && o.rank == 0;
    hooks.note = [&o](const std::string& s) {
        if (o.rank == 0) std::cerr << s << "\n";
    };
    hooks.encoding = [tty](const std::string& stage, int64_t done, int64_t total) {
        if (tty) std::fprintf(stderr, "\r%s: %lld/%lld", stage.c_str(), static_cast<long long>(done), static_cast<long long>(total));
        if (tty && done == total) std::fprintf(stderr, "\n");
    };
    hooks.progress = [tty, imagebind_phase](const TrainProgress& p) {
        const int width = 24;
        const int filled = p.total_steps > 0 ? static_cast<int>(width * p.step / p.total_steps) : width;
        std::string bar(filled, '=');
        bar.resize(width, ' ');
        char line[256];
        std::snprintf(line, sizeof line, "step %lld/%lld [%s] epoch %d  loss %.4f  lr %.3g  %.0f %s/s  ETA %s",
                      static_cast<long long>(p.step), static_cast<long long>(p.total_steps), bar.c_str(), p.epoch + 1, p.loss,
                      p.lr, p.tokens_per_s, imagebind_phase ? "samples" : "tokens", clock_text(p.eta_s).c_str());
        // A terminal gets one updating line; a log gets about twenty lines per run.
        const int64_t every = std::max<int64_t>(1, p.total_steps / 20);
        if (tty)
            std::fprintf(stderr, "\r%s\x1b[K%s", line, p.step == p.total_steps ? "\n" : "");
        else if (p.step % every == 0 || p.step == p.total_steps || p.step == 1)
            std::fprintf(stderr, "%s\n", line);
    };
    hooks.interrupt = &g_interrupt;
    struct sigaction sa = {};
    sa.sa_handler = on_sigint;
    sa.sa_flags = SA_RESETHAND;  // a second Ctrl-C stops at once
    sigaction(SIGINT, &sa, nullptr);

    const TrainSummary s = train_adapter(o, hooks);
    if (o.rank != 0) return s.interrupted ? 130 : 0;  // rank 0 reports for the run
    if (s.interrupted) {
        std::cerr << "\nInterrupted after step " << s.steps << "; saved " << s.checkpoint << ". Continue with the same command and "
                  << "--resume " << s.checkpoint << ".\n";
        return 130;
    }
    std::printf("Wrote %s (%lld steps, last loss %.4f)\n", s.adapter.c_str(), static_cast<long long>(s.steps), s.last_loss);
    if (o.phase == "base") std::printf("and %s/params.json\n", o.out.c_str());
    if (imagebind_phase) std::printf("and %s/imagebind_config.json\n", o.out.c_str());
    return 0;
}

}  // namespace ibllm::cli
