// Data-parallel training on torch's c10d (Gloo, TCPStore), all on loopback: two workers with
// batch 1 each against one worker with batch 1 and --accum-iter 2 (every loss, gradient and
// parameter of the reference fixture's steps), the sampler's shards, `--nproc 2` against two
// workers started by hand with torchrun's variables, a worker killed mid-run, and ranks that
// disagree. Sizes and settings come from the training goldens.
#include <ATen/ATen.h>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "engine/checkpoint/npy.h"
#include "engine/checkpoint/tensor_store.h"
#include "engine/train/data_parallel.h"
#include "engine/train/trainer.h"
#include "engine/train/training_model.h"
#include "golden.h"

using namespace ibllm;
using namespace ibllm::test;
namespace fs = std::filesystem;

namespace {

int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = {};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}


std::vector<double> log_losses(const std::string& path) {
    std::vector<double> out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) out.push_back(nlohmann::json::parse(line).at("loss").get<double>());
    return out;
}

// Per step: every trainable gradient (before the update) and parameter (after it).
struct Trace {
    std::vector<std::map<std::string, at::Tensor>> grads, params;
    std::vector<double> losses;
};

TrainingObserver tracing(Trace& t) {
    TrainingObserver o;
    o.before_update = [&t](int64_t, const TrainingModel& m) {
        std::map<std::string, at::Tensor> g;
        for (const NamedParameter& p : m.trainable()) g[p.name] = p.tensor.grad().clone();
        t.grads.push_back(std::move(g));
    };
    o.after_update = [&t](int64_t, const TrainingModel& m) {
        std::map<std::string, at::Tensor> v;
        for (const NamedParameter& p : m.trainable()) v[p.name] = p.tensor.detach().clone();
        t.params.push_back(std::move(v));
    };
    return o;
}

}  // namespace

class TestTrainParallel : public QObject {
    Q_OBJECT

    nlohmann::json json_;
    std::unique_ptr<TensorStore> golden_;
    QTemporaryDir dir_;

    std::string tmp(const std::string& rel) const { return (fs::path(dir_.path().toStdString()) / rel).string(); }
    int64_t examples() const { return static_cast<int64_t>(json_["phases"]["finetune"]["examples"].size()); }

    // The fine-tuning examples of the goldens as LLaVA/Alpaca records with .npy embeddings.
    TrainOptions options(const std::string& folder, int reverse_first = 0) const {
        fs::create_directories(tmp(folder));
        const nlohmann::json& ex = json_["phases"]["finetune"]["examples"];
        nlohmann::json records = nlohmann::json::array();
        std::string blank;
        for (int64_t i = 0; i < examples(); ++i) {
            const std::string npy = tmp(folder + "/e" + std::to_string(i) + ".npy");
            write_npy(npy, golden_->get("finetune.example" + std::to_string(i) + ".embedding"));
            const std::string prompt = ex[i]["prompt"].get<std::string>();
            auto between = [&](const std::string& open) {
                const size_t a = prompt.find(open);
                if (a == std::string::npos) return std::string();
                return prompt.substr(a + open.size(), prompt.find("\n\n", a + open.size()) - a - open.size());
            };
            if (ex[i]["kind"] == "image") {
                records.push_back({{"image", npy},
                                   {"conversations", {{{"from", "human"}, {"value", between("### Instruction:\n")}},
                                                      {{"from", "gpt"}, {"value", ex[i]["answer"]}}}}});
            } else {
                records.push_back({{"instruction", between("### Instruction:\n")}, {"input", between("### Input:\n")},
                                   {"output", ex[i]["answer"]}});
                blank = npy;
            }
        }
        if (reverse_first) std::reverse(records.begin(), records.begin() + reverse_first);
        std::ofstream(tmp(folder + "/data.json")) << records.dump();
        TrainOptions o;
        o.phase = "finetune";
        o.llama_dir = data_path("llama_adapter");
        o.tokenizer = fixture("tokenizer.model");
        o.adapter = fixture("adapter.pth");
        o.data = tmp(folder + "/data.json");
        o.out = tmp(folder + "/out");
        o.blank_embedding = blank;
        o.epochs = json_["epochs"].get<int>();
        o.warmup_epochs = json_["warmup_epochs"].get<double>();
        o.min_lr = json_["min_lr"].get<double>();
        o.blr = json_["phases"]["finetune"]["blr"].get<double>();
        o.weight_decay = json_["phases"]["finetune"]["weight_decay"].get<double>();
        o.max_words = json_["phases"]["finetune"]["max_words"].get<int>();
        o.batch_size = 1;
        o.shuffle = false;
        o.precision = Precision::Fp32;
        o.threads = 1;
        o.timeout_s = 60;
        return o;
    }

    QStringList cli_args(const TrainOptions& o) const {
        QStringList a = {"train", "finetune", "--llama", QString::fromStdString(o.llama_dir), "--tokenizer",
                         QString::fromStdString(o.tokenizer), "--adapter", QString::fromStdString(o.adapter), "--data",
                         QString::fromStdString(o.data), "--out", QString::fromStdString(o.out), "--blank-embedding",
                         QString::fromStdString(o.blank_embedding), "--epochs", QString::number(o.epochs), "--warmup-epochs",
                         QString::number(o.warmup_epochs), "--blr", QString::number(o.blr, 'g', 17), "--weight-decay",
                         QString::number(o.weight_decay, 'g', 17), "--max-words", QString::number(o.max_words), "--batch-size", "1",
                         "--no-shuffle", "--precision", "fp32", "--threads", "1", "--timeout", QString::number(o.timeout_s)};
        return a;
    }

    QProcess* start_rank(const TrainOptions& o, int rank, int world, int port, const QStringList& extra = {}) {
        auto* p = new QProcess(this);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("RANK", QString::number(rank));
        env.insert("LOCAL_RANK", QString::number(rank));
        env.insert("WORLD_SIZE", QString::number(world));
        env.insert("MASTER_ADDR", "127.0.0.1");
        env.insert("MASTER_PORT", QString::number(port));
        p->setProcessEnvironment(env);
        p->start(ibllm::test::bin_path(QStringLiteral("ibllm-cli")), cli_args(o) << extra);
        p->waitForStarted();
        return p;
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        json_ = load_json(data_path("llama_adapter/training/training_golden.json"));
        golden_ = std::make_unique<TensorStore>(TensorStore::from_pth(data_path("llama_adapter/training/training_golden.pth")));
        QVERIFY(examples() >= 2);
    }

    // The reference's DistributedSampler: shuffled per epoch, padded to the world size.
    void shardsFollowTheDistributedSampler() {
        for (const int64_t n : {5, 8}) {
            for (const bool shuffle : {false, true}) {
                std::vector<int64_t> all;
                for (int r = 0; r < 2; ++r) {
                    const std::vector<int64_t> mine = shard_indices(n, 2, r, shuffle, 7, 3);
                    QCOMPARE(static_cast<int64_t>(mine.size()), (n + 1) / 2);
                    all.insert(all.end(), mine.begin(), mine.end());
                }
                std::vector<int64_t> sorted = all;
                std::sort(sorted.begin(), sorted.end());
                sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
                QCOMPARE(static_cast<int64_t>(sorted.size()), n);  // every example once per epoch ...
                QCOMPARE(static_cast<int64_t>(all.size()), n + n % 2);  // ... plus the padding
                // One process: the plain permutation torch.randperm(n, seed + epoch) gives.
                const std::vector<int64_t> one = shard_indices(n, 1, 0, shuffle, 7, 3);
                if (shuffle) {
                    at::Generator g = at::make_generator<at::CPUGeneratorImpl>(10);
                    const at::Tensor perm = at::randperm(n, g, at::kLong);
                    QVERIFY(std::equal(one.begin(), one.end(), perm.data_ptr<int64_t>()));
                    // rank r takes every second index of that permutation
                    const std::vector<int64_t> r1 = shard_indices(n, 2, 1, true, 7, 3);
                    QCOMPARE(r1[0], perm[1].item<int64_t>());
                }
            }
        }
        QCOMPARE(shard_indices(5, 2, 1, false, 0, 0), (std::vector<int64_t>{1, 3, 0}));
    }

    // Two ranks with batch 1 average their gradients as one rank accumulating two batches.
    void twoWorkersEqualOneWorkerAccumulatingTwo() {
        Trace single;
        {
            TrainOptions o = options("accum");
            o.accum_iter = 2;
            TrainHooks hooks;
            hooks.progress = [&](const TrainProgress& p) { single.losses.push_back(p.loss); };
            const TrainingObserver obs = tracing(single);
            run_training(o, hooks, &obs);
        }
        QVERIFY(!single.grads.empty());
        const int port = free_port();
        Trace ranks[2];
        std::string errors[2];
        std::thread workers[2];
        const TrainOptions shared = options("ddp");
        for (int r = 0; r < 2; ++r) {
            workers[r] = std::thread([&, r] {
                try {
                    TrainOptions o = shared;
                    o.rank = r;
                    o.world_size = 2;
                    o.master_port = port;
                    TrainHooks hooks;
                    hooks.progress = [&, r](const TrainProgress& p) { ranks[r].losses.push_back(p.loss); };
                    const TrainingObserver obs = tracing(ranks[r]);
                    run_training(o, hooks, &obs);
                } catch (const std::exception& e) {
                    errors[r] = e.what();
                }
            });
        }
        for (auto& w : workers) w.join();
        QVERIFY2(errors[0].empty() && errors[1].empty(), (errors[0] + " | " + errors[1]).c_str());
        QCOMPARE(ranks[0].grads.size(), single.grads.size());
        QCOMPARE(ranks[0].losses.size(), single.losses.size());
        QVERIFY(ranks[1].losses.empty());  // rank 0 alone reports
        double worst_grad = -1, worst_param = -1, worst_rank = 0;
        for (size_t s = 0; s < single.grads.size(); ++s) {
            QVERIFY2(std::abs(ranks[0].losses[s] - single.losses[s]) <= 1e-5,
                     qPrintable(QString("step %1: %2 vs %3").arg(s).arg(ranks[0].losses[s]).arg(single.losses[s])));
            for (const auto& [name, g] : single.grads[s]) {
                worst_grad = std::max(worst_grad, tolerance_excess(ranks[0].grads[s].at(name), g, 1e-6, 1e-4));
                worst_param = std::max(worst_param, tolerance_excess(ranks[0].params[s].at(name), single.params[s].at(name), 1e-5, 0));
                // Both ranks step identically.
                worst_rank = std::max(worst_rank, max_abs_diff(ranks[0].params[s].at(name), ranks[1].params[s].at(name)));
            }
        }
        QVERIFY2(worst_grad <= 0, qPrintable(QString("gradients off by %1").arg(worst_grad)));
        QVERIFY2(worst_param <= 0, qPrintable(QString("parameters off by %1").arg(worst_param)));
        QCOMPARE(worst_rank, 0.0);
        QVERIFY(fs::is_regular_file(tmp("ddp/out/adapter.pth")));
    }

    // `--nproc 2` starts the same two workers a user would start by hand.
    void nprocEqualsWorkersStartedByHand() {
        TrainOptions a = options("nproc");
        QProcess launcher;
        launcher.start(ibllm::test::bin_path(QStringLiteral("ibllm-cli")), cli_args(a) << "--nproc" << "2");
        QVERIFY(launcher.waitForFinished(300000));
        QVERIFY2(launcher.exitCode() == 0, launcher.readAllStandardError().constData());
        TrainOptions b = options("byhand");
        const int port = free_port();
        QProcess* r0 = start_rank(b, 0, 2, port);
        QProcess* r1 = start_rank(b, 1, 2, port);
        QVERIFY(r0->waitForFinished(300000) && r1->waitForFinished(300000));
        QVERIFY2(r0->exitCode() == 0, r0->readAllStandardError().constData());
        QVERIFY2(r1->exitCode() == 0, r1->readAllStandardError().constData());
        const TensorStore x = TensorStore::from_pth(a.out + "/adapter.pth", "model");
        const TensorStore y = TensorStore::from_pth(b.out + "/adapter.pth", "model");
        QCOMPARE(x.names(), y.names());
        for (const std::string& n : x.names()) QVERIFY2(max_abs_diff(x.get(n), y.get(n)) == 0.0, n.c_str());
        QCOMPARE(log_losses(a.out + "/log.jsonl"), log_losses(b.out + "/log.jsonl"));
        QCOMPARE(log_losses(a.out + "/log.jsonl").size(), size_t(a.epochs * ((examples() + 1) / 2)));
    }

    // `--nproc` meets in a file in the output folder, not at a port: while it runs, its workers
    // listen on loopback alone (Gloo's links between them), and the file is gone afterwards.
    void nprocListensOnLoopbackAlone() {
        TrainOptions a = options("noport");
        QProcess launcher;
        launcher.start(ibllm::test::bin_path(QStringLiteral("ibllm-cli")), cli_args(a) << "--nproc" << "2");
        QVERIFY(launcher.waitForStarted());
        const std::string parent = std::to_string(launcher.processId());
        std::set<std::string> listening;  // "address:port" in /proc/net/tcp's hex
        int samples_with_links = 0;
        while (!launcher.waitForFinished(20)) {
            // The workers: processes whose parent is the launcher; their sockets' inodes.
            std::set<std::string> inodes;
            int workers = 0;
            for (const auto& proc : fs::directory_iterator("/proc")) {
                const std::string pid = proc.path().filename().string();
                if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
                std::ifstream stat(proc.path() / "stat");
                std::string line;
                std::getline(stat, line);
                const size_t close = line.rfind(')');
                if (close == std::string::npos) continue;
                std::istringstream rest(line.substr(close + 2));
                std::string state, ppid;
                rest >> state >> ppid;
                if (ppid != parent) continue;
                ++workers;
                std::error_code ec;
                for (fs::directory_iterator fd(proc.path() / "fd", ec), end; !ec && fd != end; fd.increment(ec)) {
                    const std::string target = fs::read_symlink(fd->path(), ec).string();
                    if (target.rfind("socket:[", 0) == 0) inodes.insert(target.substr(8, target.size() - 9));
                }
            }
            int links = 0;
            for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
                std::ifstream in(table);
                std::string line;
                std::getline(in, line);  // the header
                while (std::getline(in, line)) {
                    std::istringstream f(line);
                    std::string slot, local, remote, st, queues, timer, retr, uid, timeout, inode;
                    f >> slot >> local >> remote >> st >> queues >> timer >> retr >> uid >> timeout >> inode;
                    if (!inodes.count(inode)) continue;
                    if (st == "0A") listening.insert(local);  // TCP_LISTEN
                    else ++links;
                }
            }
            if (workers == 2 && links > 0) ++samples_with_links;
        }
        QVERIFY2(launcher.exitCode() == 0, launcher.readAllStandardError().constData());
        QVERIFY2(samples_with_links > 0, "the workers' connections were never seen");
        for (const std::string& local : listening) {
            const std::string address = local.substr(0, local.find(':'));
            const bool loopback = address == "0100007F" || address == "00000000000000000000000001000000" ||
                                  address == "0000000000000000FFFF00000100007F";
            QVERIFY2(loopback, ("a worker listens on " + local).c_str());
        }
        for (const auto& entry : fs::directory_iterator(a.out))
            QVERIFY2(entry.path().filename().string().rfind(".rendezvous", 0) != 0, entry.path().c_str());
        QVERIFY(fs::exists(a.out + "/adapter.pth"));
    }

    // A worker killed mid-run: the other stops within the timeout, naming it, and the last
    // finished step's checkpoint resumes.
    void aKilledWorkerStopsTheRunAndItResumes() {
        TrainOptions o = options("kill");
        o.epochs = 300;  // long enough to be killed in the middle
        o.timeout_s = 20;
        const int port = free_port();
        QProcess* r0 = start_rank(o, 0, 2, port, {"--save-every-step"});
        QProcess* r1 = start_rank(o, 1, 2, port, {"--save-every-step"});
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
        while (log_losses(o.out + "/log.jsonl").size() < 2 && std::chrono::steady_clock::now() < deadline) {
            if (r0->state() != QProcess::Running) {
                r0->waitForFinished(1000);
                QFAIL(r0->readAllStandardError().constData());
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        ::kill(static_cast<pid_t>(r1->processId()), SIGKILL);
        const auto killed = std::chrono::steady_clock::now();
        QVERIFY(r0->waitForFinished(120000));
        const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
        const QString err = QString::fromUtf8(r0->readAllStandardError());
        QCOMPARE(r0->exitCode(), 2);
        QVERIFY2(err.contains("Rank 1 stopped answering"), qPrintable(err));
        QVERIFY2(waited <= o.timeout_s + 10, qPrintable(QString("rank 0 took %1 s").arg(waited)));
        r1->waitForFinished(10000);
        // The newest checkpoint is a finished step's, and the run resumes from it.
        std::string last;
        int64_t last_step = -1;
        for (const auto& e : fs::directory_iterator(o.out)) {
            const std::string f = e.path().filename().string();
            if (f.rfind("checkpoint-step", 0) != 0 || e.path().extension() != ".pth") continue;
            const int64_t step = std::stoll(f.substr(15));
            if (step > last_step) last_step = step, last = e.path().string();
        }
        QVERIFY(last_step >= 2);
        QVERIFY(!fs::exists(o.out + "/adapter.pth"));
        QProcess resume;
        resume.start(ibllm::test::bin_path(QStringLiteral("ibllm-cli")), cli_args(o) << "--nproc" << "2" << "--resume" << QString::fromStdString(last));
        QVERIFY(resume.waitForFinished(300000));
        QVERIFY2(resume.exitCode() == 0, resume.readAllStandardError().constData());
        QVERIFY(fs::is_regular_file(o.out + "/adapter.pth"));
        QCOMPARE(log_losses(o.out + "/log.jsonl").size(), size_t(o.epochs * ((examples() + 1) / 2)));
    }

    // Ranks that were started differently refuse to train together.
    void ranksThatDisagreeAreRefused() {
        const TrainOptions a = options("mismatch_a");
        TrainOptions b = options("mismatch_b", 2);  // the same examples, two of them swapped
        b.out = a.out;
        const int port = free_port();
        QProcess* r0 = start_rank(a, 0, 2, port);
        QProcess* r1 = start_rank(b, 1, 2, port);
        QVERIFY(r0->waitForFinished(120000) && r1->waitForFinished(120000));
        const QString e0 = QString::fromUtf8(r0->readAllStandardError()), e1 = QString::fromUtf8(r1->readAllStandardError());
        QCOMPARE(r0->exitCode(), 2);
        QCOMPARE(r1->exitCode(), 2);
        QVERIFY2(e0.contains("other settings, data or model"), qPrintable(e0));
        QVERIFY2(e1.contains("other settings, data or model"), qPrintable(e1));
        // A rank outside the world and an unknown backend are refused before any connection.
        const int port2 = free_port();
        QProcess* bad = start_rank(a, 2, 2, port2);
        QVERIFY(bad->waitForFinished(60000));
        QCOMPARE(bad->exitCode(), 2);
        QVERIFY(QString::fromUtf8(bad->readAllStandardError()).contains("WORLD_SIZE"));
        QProcess* nccl = start_rank(a, 0, 2, port2, {"--backend", "nccl"});
        QVERIFY(nccl->waitForFinished(60000));
        QCOMPARE(nccl->exitCode(), 2);
        QVERIFY(QString::fromUtf8(nccl->readAllStandardError()).contains("NCCL"));
    }
};

QTEST_GUILESS_MAIN(TestTrainParallel)
#include "test_train_parallel.moc"
