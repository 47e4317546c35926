// Training parity with the reference (tests/data/llama_adapter/training, computed by
// OpenGVLab/LLaMA-Adapter imagebind_LLM): both phases from the real files through the
// product's loaders, tokens and labels, the loss, every gradient and every parameter of
// four AdamW steps; then resume, gradient accumulation, bf16, the trained adapter in the
// inference path and `ibllm-cli train` end to end, with every bad input it must refuse.
// Every size and setting is read from the golden files, so other sets run unchanged.
#include <ATen/ATen.h>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "engine/bind/bind_network.h"
#include "engine/bind/fusion.h"
#include "engine/checkpoint/npy.h"
#include "engine/checkpoint/pth_writer.h"
#include "engine/checkpoint/tensor_store.h"
#include "engine/llama/llama_weights.h"
#include "engine/llama/prompt.h"
#include "engine/llama/kernels/kernel_isa.h"
#include "engine/llama/tokenizer.h"
#include "engine/llama/transformer.h"
#include "engine/train/trainer.h"
#include "engine/train/training_data.h"
#include "engine/train/training_model.h"
#include "cli_run.h"
#include "golden.h"

using namespace ibllm;
using namespace ibllm::test;
namespace fs = std::filesystem;

namespace {

using Run = ibllm::test::CliRun;
using ibllm::test::run_cli;

std::string training_file(const std::string& name) { return data_path("llama_adapter/training/" + name); }


std::vector<double> read_log_losses(const std::string& path) {
    std::vector<double> out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line).at("loss").get<double>());
    return out;
}

// The instruction / input of an Alpaca prompt, read back from the golden prompt text.
std::string between(const std::string& s, const std::string& open, const std::string& close) {
    const size_t a = s.find(open);
    if (a == std::string::npos) return {};
    const size_t b = s.find(close, a + open.size());
    return s.substr(a + open.size(), b - a - open.size());
}

}  // namespace

class TestTrain : public QObject {
    Q_OBJECT

    nlohmann::json json_;
    std::unique_ptr<TensorStore> golden_;
    QTemporaryDir dir_;
    std::string llama_dir_, tokenizer_;

    const nlohmann::json& phase_json(const std::string& phase) const { return json_["phases"][phase]; }
    at::Tensor golden(const std::string& key) const { return golden_->get(key); }
    int64_t examples(const std::string& phase) const { return static_cast<int64_t>(phase_json(phase)["examples"].size()); }
    std::string tmp(const std::string& rel) const { return (fs::path(dir_.path().toStdString()) / rel).string(); }

    // The phase's data as a user would give it: embeddings as .npy files next to a CSV
    // (pretrain) or a LLaVA/Alpaca JSON (finetune). Returns the data file.
    std::string write_data(const std::string& phase, const std::string& folder) const {
        fs::create_directories(tmp(folder));
        const nlohmann::json& ex = phase_json(phase)["examples"];
        for (int64_t i = 0; i < examples(phase); ++i)
            write_npy(tmp(folder + "/" + phase + std::to_string(i) + ".npy"),
                      golden(phase + ".example" + std::to_string(i) + ".embedding"));
        if (phase == "pretrain") {
            std::ofstream out(tmp(folder + "/pretrain.csv"));
            out << "url\tcaption\n";
            for (int64_t i = 0; i < examples(phase); ++i) out << "pretrain" << i << ".npy\t" << ex[i]["answer"].get<std::string>() << "\n";
            return tmp(folder + "/pretrain.csv");
        }
        nlohmann::json records = nlohmann::json::array();
        for (int64_t i = 0; i < examples(phase); ++i) {
            const std::string prompt = ex[i]["prompt"].get<std::string>();
            const std::string instruction = between(prompt, "### Instruction:\n", "\n\n");
            if (ex[i]["kind"] == "image") {
                records.push_back({{"image", phase + std::to_string(i) + ".npy"},
                                   {"conversations", {{{"from", "human"}, {"value", instruction}},
                                                      {{"from", "gpt"}, {"value", ex[i]["answer"]}}}}});
            } else {
                records.push_back({{"instruction", instruction}, {"input", between(prompt, "### Input:\n", "\n\n")},
                                   {"output", ex[i]["answer"]}});
            }
        }
        std::ofstream(tmp(folder + "/finetune.json")) << records.dump(1);
        return tmp(folder + "/finetune.json");
    }

    // The text-only examples' visual input, given as in the goldens.
    std::string blank_embedding(const std::string& folder) const {
        const nlohmann::json& ex = phase_json("finetune")["examples"];
        for (int64_t i = 0; i < examples("finetune"); ++i)
            if (ex[i]["kind"] == "text") return tmp(folder + "/finetune" + std::to_string(i) + ".npy");
        return {};
    }

    // The pretrain start state of the goldens: bind network and prefix queries, zero gates,
    // no norms (the base file's): a pre-training adapter as a user would have one.
    std::string write_pretrain_start(const std::string& folder) const {
        Value model = Value::make_dict();
        const std::string prefix = "pretrain.init.";
        for (const std::string& n : golden_->names())
            if (n.rfind(prefix, 0) == 0) model.set(n.substr(prefix.size()), Value::from_tensor(golden_->get(n).contiguous()));
        Value root = Value::make_dict();
        root.set("model", model);
        root.set("config", Value::make_dict());
        fs::create_directories(tmp(folder));
        write_pth(tmp(folder + "/start.pth"), root);
        return tmp(folder + "/start.pth");
    }

    TrainOptions options(const std::string& phase, const std::string& folder) const {
        TrainOptions o;
        o.phase = phase;
        o.llama_dir = llama_dir_;
        o.tokenizer = tokenizer_;
        o.data = write_data(phase, folder);
        o.out = tmp(folder + "/out");
        o.epochs = json_["epochs"].get<int>();
        o.warmup_epochs = json_["warmup_epochs"].get<double>();
        o.batch_size = json_["batch_size"].get<int>();
        o.accum_iter = json_["accum_iter"].get<int>();
        o.min_lr = json_["min_lr"].get<double>();
        o.blr = phase_json(phase)["blr"].get<double>();
        o.weight_decay = phase_json(phase)["weight_decay"].get<double>();
        o.max_words = phase_json(phase)["max_words"].get<int>();
        o.shuffle = false;
        o.precision = Precision::Fp32;
        o.threads = 2;
        if (phase == "pretrain") {
            o.adapter = write_pretrain_start(folder);
        } else {
            o.adapter = fixture("adapter.pth");
            o.blank_embedding = blank_embedding(folder);
        }
        return o;
    }

    QStringList cli_args(const TrainOptions& o) const {
        QStringList a = {"train", QString::fromStdString(o.phase), "--llama", QString::fromStdString(o.llama_dir), "--tokenizer",
                         QString::fromStdString(o.tokenizer), "--data", QString::fromStdString(o.data), "--out",
                         QString::fromStdString(o.out), "--epochs", QString::number(o.epochs), "--warmup-epochs",
                         QString::number(o.warmup_epochs), "--blr", QString::number(o.blr, 'g', 17), "--min-lr",
                         QString::number(o.min_lr, 'g', 17), "--weight-decay", QString::number(o.weight_decay, 'g', 17),
                         "--batch-size", QString::number(o.batch_size), "--accum-iter", QString::number(o.accum_iter),
                         "--max-words", QString::number(o.max_words), "--precision", "fp32", "--threads", "2"};
        if (!o.adapter.empty()) a << "--adapter" << QString::fromStdString(o.adapter);
        if (!o.blank_embedding.empty()) a << "--blank-embedding" << QString::fromStdString(o.blank_embedding);
        if (!o.shuffle) a << "--no-shuffle";
        return a;
    }

    // Runs the phase in process and compares every step with the goldens.
    void check_phase_parity(const std::string& phase, bool checkpointing = false) {
        TrainOptions o = options(phase, phase + (checkpointing ? "_parity_ckpt" : "_parity"));
        o.checkpointing = checkpointing;
        const nlohmann::json& steps = phase_json(phase)["steps"];
        const double param_tol = phase == "pretrain" ? 5e-4 : 1e-5;
        double worst_grad = -1, worst_param = -1;
        std::string worst_grad_name, worst_param_name;
        int64_t grad_checks = 0, param_checks = 0, zero_checks = 0;
        bool zero_ok = true;
        TrainingObserver obs;
        obs.before_update = [&](int64_t s, const TrainingModel& m) {
            std::set<std::string> zero;
            for (const auto& n : steps[s]["params_with_zero_grad"]) zero.insert(n.get<std::string>());
            for (const NamedParameter& p : m.trainable()) {
                const std::string key = phase + ".step" + std::to_string(s) + ".grad." + p.name;
                if (!golden_->contains(key)) continue;
                QVERIFY2(p.tensor.grad().defined(), p.name.c_str());
                const double e = tolerance_excess(p.tensor.grad(), golden(key), 1e-6, 1e-4);
                if (e > worst_grad) worst_grad = e, worst_grad_name = key;
                ++grad_checks;
                if (zero.count(p.name)) {  // the zero-initialised gating: exactly zero, not small
                    zero_ok = zero_ok && p.tensor.grad().abs().max().item<double>() == 0.0;
                    ++zero_checks;
                }
            }
        };
        obs.after_update = [&](int64_t s, const TrainingModel& m) {
            for (const NamedParameter& p : m.trainable()) {
                const std::string key = phase + ".step" + std::to_string(s) + ".param." + p.name;
                if (!golden_->contains(key)) continue;
                const double e = tolerance_excess(p.tensor, golden(key), param_tol, 0);
                if (e > worst_param) worst_param = e, worst_param_name = key;
                ++param_checks;
            }
        };
        std::vector<double> losses, lrs;
        TrainHooks hooks;
        hooks.progress = [&](const TrainProgress& p) {
            losses.push_back(p.loss);
            lrs.push_back(p.lr);
        };
        const TrainSummary summary = run_training(o, hooks, &obs);
        QCOMPARE(summary.steps, static_cast<int64_t>(steps.size()));
        QCOMPARE(losses.size(), steps.size());
        for (size_t s = 0; s < steps.size(); ++s) {
            QVERIFY2(std::abs(losses[s] - steps[s]["loss"].get<double>()) <= 1e-5,
                     qPrintable(QString("step %1 loss %2 vs %3").arg(s).arg(losses[s], 0, 'g', 10).arg(steps[s]["loss"].get<double>(), 0, 'g', 10)));
            QVERIFY(std::abs(lrs[s] - steps[s]["lr"].get<double>()) <= 1e-12);
        }
        QVERIFY2(worst_grad <= 0, qPrintable(QString("gradient %1 off by %2").arg(worst_grad_name.c_str()).arg(worst_grad)));
        QVERIFY2(worst_param <= 0, qPrintable(QString("parameter %1 off by %2").arg(worst_param_name.c_str()).arg(worst_param)));
        size_t expected_grads = 0;
        for (size_t s = 0; s < steps.size(); ++s) expected_grads += phase_json(phase)["trainable"].size();
        QCOMPARE(static_cast<size_t>(grad_checks), expected_grads);
        QCOMPARE(static_cast<size_t>(param_checks), expected_grads);
        size_t expected_zero = 0;
        for (const auto& s : steps) expected_zero += s["params_with_zero_grad"].size();
        QCOMPARE(static_cast<size_t>(zero_checks), expected_zero);
        QVERIFY2(zero_ok, "a gradient that the reference has exactly zero is not zero");
        if (phase == "pretrain") QVERIFY(expected_zero > 0);  // the zero-gate start must be in the goldens
        // log.jsonl: one line per optimizer step, the same losses.
        const std::vector<double> logged = read_log_losses(o.out + "/log.jsonl");
        QCOMPARE(logged.size(), steps.size());
        for (size_t s = 0; s < steps.size(); ++s) QVERIFY(std::abs(logged[s] - losses[s]) <= 1e-12);
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        json_ = load_json(training_file("training_golden.json"));
        golden_ = std::make_unique<TensorStore>(TensorStore::from_pth(training_file("training_golden.pth")));
        // The fixture folder holds params.json and consolidated.00.pth among other files;
        // only consolidated.*.pth is read as the base model.
        llama_dir_ = data_path("llama_adapter");
        tokenizer_ = fixture("tokenizer.model");
    }

    void tokensAndLabelsAreExact() {
        const Tokenizer tok(tokenizer_);
        for (const std::string phase : {"pretrain", "finetune"}) {
            const std::string data = write_data(phase, phase + "_tokens");
            const std::vector<TrainingExample> ex = read_training_data(data, parse_training_phase(phase));
            QCOMPARE(static_cast<int64_t>(ex.size()), examples(phase));
            const int64_t max_words = phase_json(phase)["max_words"].get<int64_t>();
            for (size_t i = 0; i < ex.size(); ++i) {
                const nlohmann::json& g = phase_json(phase)["examples"][i];
                QCOMPARE(format_prompt(ex[i].instruction, ex[i].input), g["prompt"].get<std::string>());
                const TokenizedExample t = tokenize_example(ex[i], tok, max_words);
                const std::string key = phase + ".example" + std::to_string(i);
                const at::Tensor tokens = golden(key + ".tokens"), labels = golden(key + ".labels");
                QCOMPARE(static_cast<int64_t>(t.tokens.size()), tokens.numel());
                QVERIFY2(at::equal(at::tensor(t.tokens), tokens.to(at::kLong)), key.c_str());
                QVERIFY2(at::equal(at::tensor(t.labels), labels.to(at::kLong)), key.c_str());
                QCOMPARE(t.prompt_length, g["prompt_len"].get<int64_t>());
                QCOMPARE(t.label_count, g["n_label_tokens"].get<int64_t>());
            }
        }
    }

    // The formats around the examples: YAML META lists, extra and quoted CSV columns,
    // paths next to the data file, the Alpaca input field optional.
    void dataFilesInTheReferenceFormats() {
        const std::string d = tmp("formats");
        fs::create_directories(d + "/sub");
        std::ofstream(d + "/sub/a.json") << R"([{"instruction": "Say hi.", "output": "Hi."}])";
        std::ofstream(d + "/b.json") << R"([{"instruction": "Add.", "input": "1+1", "output": "2"},
            {"image": "sub/e.npy", "conversations": [{"from": "human", "value": "What?"}, {"from": "gpt", "value": "A dog."}]}])";
        write_npy(d + "/sub/e.npy", at::ones({4}));
        std::ofstream(d + "/meta.yaml") << "META:\n  - 'sub/a.json'\n  - " << d << "/b.json\n";
        const std::vector<TrainingExample> f = read_training_data(d + "/meta.yaml", TrainingPhase::Finetune);
        QCOMPARE(f.size(), size_t{3});
        QCOMPARE(f[0].instruction, std::string("Say hi."));
        QVERIFY(f[0].input.empty() && f[0].media.empty());
        QCOMPARE(f[1].input, std::string("1+1"));
        QCOMPARE(fs::path(f[2].media), fs::path(d + "/sub/e.npy"));
        QCOMPARE(f[2].answer, std::string("A dog."));
        std::ofstream(d + "/c.csv") << "id\turl\tcaption\n7\tsub/e.npy\t\"A \"\"quoted\"\"\tcaption\"\r\n";
        const std::vector<TrainingExample> p = read_training_data(d + "/c.csv", TrainingPhase::Pretrain);
        QCOMPARE(p.size(), size_t{1});
        QCOMPARE(p[0].answer, std::string("A \"quoted\"\tcaption"));
        QCOMPARE(p[0].instruction, std::string(kCaptionInstruction));
        // A data file for the other phase is named as such.
        try {
            read_training_data(d + "/c.csv", TrainingPhase::Finetune);
            QFAIL("a CSV was accepted for fine-tuning");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("c.csv") && QString(e.what()).contains("pretrain"), e.what());
        }
    }

    // Real media through the app's decoders and ImageBind: each file encoded once and cached;
    // a text-only record gets ImageBind's blank-image embedding.
    void mediaFilesAreEncodedOnceWithImageBind() {
        const std::string assets = data_path("imagebind/assets");
        const std::string d = tmp("media");
        fs::create_directories(d);
        nlohmann::json records = nlohmann::json::array();
        for (const char* f : {"dog_image.jpg", "dog_audio.wav", "airplane.ply"})
            records.push_back({{"image", assets + "/" + f},
                               {"conversations", {{{"from", "human"}, {"value", "What is this?"}}, {{"from", "gpt"}, {"value", f}}}}});
        records.push_back({{"instruction", "Say hi."}, {"input", ""}, {"output", "Hi."}});
        std::ofstream(d + "/data.json") << records.dump();
        TrainOptions o = options("finetune", "media");
        o.data = d + "/data.json";
        o.blank_embedding.clear();
        const QStringList args = cli_args(o) << "--imagebind" << QString::fromStdString(data_path("imagebind/imagebind.pth"))
                                             << "--imagebind-config" << QString::fromStdString(data_path("imagebind/imagebind_config.json"));
        const Run first = run_cli(args);
        QVERIFY2(first.code == 0, qPrintable(first.err));
        QVERIFY2(first.err.contains("Encoded 3 files"), qPrintable(first.err));
        size_t cached = 0;
        for (const auto& e : fs::directory_iterator(o.out + "/embeddings")) cached += e.path().extension() == ".npy";
        QCOMPARE(cached, size_t{3});
        const Run second = run_cli(args);
        QVERIFY2(second.code == 0, qPrintable(second.err));
        QVERIFY2(!second.err.contains("Encoded"), qPrintable(second.err));
        QCOMPARE(read_log_losses(o.out + "/log.jsonl").size(), size_t(o.epochs * (records.size() / o.batch_size)));
        // The cached embedding is the one `ibllm-cli embed` gives.
        const Run embed = run_cli({"embed", "--imagebind", QString::fromStdString(data_path("imagebind/imagebind.pth")),
                                   "--imagebind-config", QString::fromStdString(data_path("imagebind/imagebind_config.json")),
                                   "--image", QString::fromStdString(assets + "/dog_image.jpg"), "--out",
                                   QString::fromStdString(d + "/dog.npy")});
        QVERIFY2(embed.code == 0, qPrintable(embed.err));
        const at::Tensor dog = read_npy(d + "/dog.npy").reshape({-1});
        double best = 1e9;
        for (const auto& e : fs::directory_iterator(o.out + "/embeddings"))
            best = std::min(best, max_abs_diff(read_npy(e.path().string()).reshape({-1}), dog));
        QVERIFY2(best <= 1e-6, qPrintable(QString("closest cached embedding %1").arg(best)));
    }

    void augmentationIsARandomResizedCrop() {
        ImageInput img;
        img.width = 320, img.height = 240;
        img.rgb.resize(320 * 240 * 3);
        for (size_t i = 0; i < img.rgb.size(); ++i) img.rgb[i] = static_cast<uint8_t>((i * 7 + i / 960) % 251);
        const ImageInput a = random_resized_crop(img, 1), b = random_resized_crop(img, 1), c = random_resized_crop(img, 2);
        QCOMPARE(a.width, 224);
        QCOMPARE(a.height, 224);
        QCOMPARE(a.rgb.size(), size_t{224 * 224 * 3});
        QVERIFY(a.rgb == b.rgb);  // seeded
        QVERIFY(a.rgb != c.rgb);
    }

    void trainableSetsMatchTheReference() {
        for (const std::string phase : {"pretrain", "finetune"}) {
            const TrainOptions o = options(phase, phase + "_names");
            TrainingModelOptions mo;
            mo.llama_dir = llama_dir_;
            mo.adapter = o.adapter;
            mo.phase = parse_training_phase(phase);
            mo.precision = Precision::Fp32;
            mo.vocab_size = 32000;
            const TrainingModel model(mo);
            std::vector<std::string> names, decay, no_decay;
            for (const NamedParameter& p : model.trainable()) {
                names.push_back(p.name);
                (gets_weight_decay(p.name, p.tensor.dim()) ? decay : no_decay).push_back(p.name);
                QCOMPARE(p.tensor.scalar_type(), at::kFloat);
                QVERIFY(p.tensor.requires_grad());
                // The start state: pretrain.init.* / the adapter's values.
                const std::string init = phase + ".init." + p.name;
                if (golden_->contains(init)) QVERIFY2(max_abs_diff(p.tensor.detach(), golden(init)) == 0.0, init.c_str());
            }
            QCOMPARE(names, phase_json(phase)["trainable"].get<std::vector<std::string>>());
            QCOMPARE(decay, phase_json(phase)["decay"].get<std::vector<std::string>>());
            QCOMPARE(no_decay, phase_json(phase)["no_decay"].get<std::vector<std::string>>());
            // Frozen tensors carry no gradient.
            for (const NamedParameter& p : model.parameters()) QCOMPARE(p.tensor.requires_grad(), p.trainable);
        }
    }

    void pretrainMatchesTheReferenceStepByStep() { check_phase_parity("pretrain"); }
    void finetuneMatchesTheReferenceStepByStep() { check_phase_parity("finetune"); }
    // Activation checkpointing recomputes each layer in the backward pass: the same steps.
    void checkpointingGivesTheSameSteps() {
        check_phase_parity("pretrain", true);
        check_phase_parity("finetune", true);
    }

    // The CLI on the same files: its log and its adapter.pth are the goldens' last step.
    void cliTrainsBothPhases() {
        for (const std::string phase : {"pretrain", "finetune"}) {
            TrainOptions o = options(phase, phase + "_cli");
            const Run r = run_cli(cli_args(o) << "--save-every-step");
            QVERIFY2(r.code == 0, qPrintable(r.err));
            QVERIFY(r.out.contains("adapter.pth"));
            QVERIFY2(r.err.contains("step 1/"), qPrintable(r.err));  // the progress line
            const nlohmann::json& steps = phase_json(phase)["steps"];
            const std::vector<double> losses = read_log_losses(o.out + "/log.jsonl");
            QCOMPARE(losses.size(), steps.size());
            for (size_t s = 0; s < steps.size(); ++s) QVERIFY(std::abs(losses[s] - steps[s]["loss"].get<double>()) <= 1e-5);
            const int64_t last = static_cast<int64_t>(steps.size()) - 1;
            const TensorStore adapter = TensorStore::from_pth(o.out + "/adapter.pth", "model");
            for (const std::string& name : phase_json(phase)["trainable"].get<std::vector<std::string>>())
                QVERIFY2(tolerance_excess(adapter.get(name), golden(phase + ".step" + std::to_string(last) + ".param." + name),
                                phase == "pretrain" ? 5e-4 : 1e-5, 0) <= 0, name.c_str());
            // A fine-tuned adapter carries what inference needs, the frozen parts included.
            if (phase == "finetune")
                for (const char* key : {"image_bind_proj.weight", "prefix_query.weight", "llama.layers.0.attention.gate"})
                    QVERIFY2(adapter.contains(key), key);
            // --save-every-step: checkpoint-step<N>.pth after step N, from 1.
            for (size_t s = 1; s <= steps.size(); ++s)
                QVERIFY(fs::is_regular_file(o.out + "/checkpoint-step" + std::to_string(s) + ".pth"));
            QVERIFY(!fs::exists(o.out + "/checkpoint-step0.pth"));
        }
    }

    // Two steps, a stop, a resume and two more steps equal four steps in one go.
    void resumeContinuesExactly() {
        const TrainOptions whole = options("finetune", "resume_whole");
        QVERIFY(run_training(whole, {}, nullptr).steps == 4);
        TrainOptions part = options("finetune", "resume_part");
        std::atomic<bool> stop{false};
        TrainHooks hooks;
        hooks.interrupt = &stop;
        // A stop asked for during a step (here: while step 2 runs) ends the run after that step.
        hooks.progress = [&](const TrainProgress& p) {
            if (p.step == 1) stop = true;
        };
        const TrainSummary first = run_training(part, hooks, nullptr);
        QVERIFY(first.interrupted);
        QCOMPARE(first.steps, int64_t{2});
        QCOMPARE(QString::fromStdString(first.checkpoint), QString::fromStdString(part.out + "/checkpoint-step2.pth"));
        QVERIFY(!fs::exists(part.out + "/adapter.pth"));
        part.resume = first.checkpoint;
        const TrainSummary second = run_training(part, {}, nullptr);
        QCOMPARE(second.steps, int64_t{4});
        const TensorStore a = TensorStore::from_pth(whole.out + "/adapter.pth", "model");
        const TensorStore b = TensorStore::from_pth(part.out + "/adapter.pth", "model");
        QCOMPARE(a.names(), b.names());
        for (const std::string& n : a.names()) QVERIFY2(max_abs_diff(a.get(n), b.get(n)) <= 1e-7, n.c_str());
        QCOMPARE(read_log_losses(part.out + "/log.jsonl"), read_log_losses(whole.out + "/log.jsonl"));
        // A resume with other settings is refused, naming the setting.
        part.batch_size = 1;
        try {
            run_training(part, {}, nullptr);
            QFAIL("a resume with another batch size was accepted");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("batch_size"), e.what());
        }
    }

    // --accum-iter 2 at batch 1: each micro-batch loss is divided by 2, so the step's
    // gradient is the mean of the two examples' batch-1 gradients, not the batch-2 one.
    void accumulationAveragesMicroBatchGradients() {
        TrainOptions o = options("finetune", "accum");
        o.batch_size = 1;
        o.accum_iter = 2;
        o.epochs = 1;
        std::map<std::string, at::Tensor> accumulated;
        TrainingObserver obs;
        obs.before_update = [&](int64_t s, const TrainingModel& m) {
            if (s != 0) return;
            for (const NamedParameter& p : m.trainable()) accumulated[p.name] = p.tensor.grad().clone();
        };
        run_training(o, {}, &obs);
        QVERIFY(!accumulated.empty());

        TrainingModelOptions mo;
        mo.llama_dir = llama_dir_;
        mo.adapter = o.adapter;
        mo.phase = TrainingPhase::Finetune;
        mo.precision = Precision::Fp32;
        mo.vocab_size = 32000;
        mo.max_seq_len = o.max_words;
        const TrainingModel model(mo);
        auto grads_of = [&](const std::vector<int64_t>& rows) {
            std::vector<at::Tensor> tokens, labels, emb;
            for (int64_t r : rows) {
                const std::string key = "finetune.example" + std::to_string(r);
                tokens.push_back(golden(key + ".tokens").to(at::kLong));
                labels.push_back(golden(key + ".labels").to(at::kLong));
                emb.push_back(golden(key + ".embedding"));
            }
            for (const NamedParameter& p : model.trainable()) p.tensor.mutable_grad() = at::Tensor();
            model.loss(at::stack(tokens), at::stack(labels), at::stack(emb)).backward();
            std::map<std::string, at::Tensor> g;
            for (const NamedParameter& p : model.trainable()) g[p.name] = p.tensor.grad().clone();
            return g;
        };
        const auto g0 = grads_of({0}), g1 = grads_of({1}), g01 = grads_of({0, 1});
        double worst = -1, batch2_gap = 0;
        for (const auto& [name, g] : accumulated) {
            worst = std::max(worst, tolerance_excess(g, (g0.at(name) + g1.at(name)) / 2, 1e-6, 1e-4));
            batch2_gap = std::max(batch2_gap, max_abs_diff(g, g01.at(name)));
        }
        QVERIFY2(worst <= 0, qPrintable(QString("accumulated gradient off by %1").arg(worst)));
        // The two examples have different numbers of answer tokens, so the batch-2 mean differs.
        QVERIFY2(batch2_gap > 1e-4, qPrintable(QString("batch-2 gradient within %1 of the accumulated one").arg(batch2_gap)));
    }

    // Both bf16 paths, whatever this CPU has: products in bf16 (CPUs with bf16 instructions)
    // and in float32 from the bf16 weights (the others).
    void bf16FollowsFp32_data() {
        QTest::addColumn<bool>("native");
        QTest::newRow("bf16 products") << true;
        QTest::newRow("float32 products of bf16 weights") << false;
    }
    void bf16FollowsFp32() {
        QFETCH(bool, native);
        quant::force_native_bf16_matmul(native);
        struct Restore {
            ~Restore() { quant::force_native_bf16_matmul(std::nullopt); }
        } restore;
        for (const std::string phase : {"pretrain", "finetune"}) {
            TrainOptions o = options(phase, phase + "_bf16" + (native ? "n" : "f"));
            o.precision = Precision::Bf16;
            std::vector<double> losses;
            TrainHooks hooks;
            hooks.progress = [&](const TrainProgress& p) { losses.push_back(p.loss); };
            run_training(o, hooks, nullptr);
            const nlohmann::json& steps = phase_json(phase)["steps"];
            QCOMPARE(losses.size(), steps.size());
            for (size_t s = 0; s < steps.size(); ++s) {
                const double ref = steps[s]["loss"].get<double>();
                QVERIFY2(std::abs(losses[s] - ref) <= 0.02 * std::abs(ref),
                         qPrintable(QString("%1 step %2: bf16 %3 vs fp32 %4").arg(phase.c_str()).arg(s).arg(losses[s]).arg(ref)));
            }
        }
    }

    // The trained adapter in the inference path: the same logits as the trained model.
    void trainedAdaptersLoadForInference() {
        for (const std::string phase : {"pretrain", "finetune"}) {
            const TrainOptions o = options(phase, phase + "_infer");
            run_training(o, {}, nullptr);
            const std::string adapter_path = o.out + "/adapter.pth";
            const TensorStore adapter = TensorStore::from_pth(adapter_path, "model");
            if (phase == "pretrain")  // a pre-training adapter: no LoRA, no biases, as 7B-pretrained.pth
                for (const std::string& n : adapter.names())
                    QVERIFY2(n.find("lora") == std::string::npos && !(n.rfind("llama.", 0) == 0 && n.find(".bias") != std::string::npos),
                             n.c_str());
            const std::string key = phase + ".example0";
            const int64_t L = phase_json(phase)["examples"][0]["prompt_len"].get<int64_t>();
            const at::Tensor prompt = golden(key + ".tokens").to(at::kLong).narrow(0, 0, L);
            const at::Tensor emb = golden(key + ".embedding").reshape({1, -1});

            Transformer infer(load_llama_weights(llama_dir_, adapter, Precision::Fp32, 512, 32000, {}));
            const BindNetwork bind(adapter, at::kFloat);
            const AdapterValues values = infer.adapter_values(bind.forward(fuse_embeddings({{emb, 1.0}})));
            KvCache cache = infer.new_cache();
            std::vector<int64_t> ids(prompt.data_ptr<int64_t>(), prompt.data_ptr<int64_t>() + L);
            const at::Tensor inference_logits = infer.forward(ids, 0, cache, values);

            // Loaded again as a start point: for pretrain that is fine-tuning from it (new
            // LoRA with l2 = 0 and zero biases leave the function unchanged).
            for (const std::string start_phase : {phase, std::string("finetune")}) {
                TrainingModelOptions mo;
                mo.llama_dir = llama_dir_;
                mo.adapter = adapter_path;
                mo.phase = parse_training_phase(start_phase);
                mo.precision = Precision::Fp32;
                mo.vocab_size = 32000;
                const TrainingModel trained(mo);
                at::NoGradGuard no_grad;
                const at::Tensor train_logits = trained.logits(prompt.unsqueeze(0), emb).select(1, L - 1).reshape({-1});
                QVERIFY2(max_abs_diff(train_logits, inference_logits) <= 1e-4,
                         qPrintable(QString("%1 adapter as %2: %3").arg(phase.c_str()).arg(start_phase.c_str())
                                        .arg(max_abs_diff(train_logits, inference_logits))));
            }
            // And through `ibllm-cli ask`.
            const Run r = run_cli({"ask", "--llama", QString::fromStdString(llama_dir_), "--tokenizer", QString::fromStdString(tokenizer_),
                                   "--adapter", QString::fromStdString(adapter_path), "--embedding",
                                   QString::fromStdString("image=" + tmp(phase + "_infer/" + phase + "0.npy")), "--temperature", "0",
                                   "--max-tokens", "4", "--precision", "fp32", "--ids", "What is this?"});
            QVERIFY2(r.code == 0, qPrintable(r.err));
            QVERIFY(r.out.contains("ids: ["));
        }
    }

    // Ctrl-C on the command line: a resumable checkpoint, exit code 130, and the resume.
    void ctrlCSavesAResumableCheckpoint() {
        TrainOptions o = options("finetune", "sigint");
        o.epochs = 40;  // long enough to be interrupted
        QProcess p;
        p.start(ibllm::test::bin_path(QStringLiteral("ibllm-cli")), cli_args(o));
        QVERIFY(p.waitForStarted());
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
        while (read_log_losses_safe(o.out + "/log.jsonl") < 2 && std::chrono::steady_clock::now() < deadline) {
            QVERIFY2(p.state() == QProcess::Running, qPrintable(QString::fromUtf8(p.readAllStandardError())));
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        ::kill(static_cast<pid_t>(p.processId()), SIGINT);
        QVERIFY(p.waitForFinished(120000));
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QCOMPARE(p.exitCode(), 130);
        QVERIFY2(err.contains("--resume"), qPrintable(err));
        std::string checkpoint;
        for (const auto& e : fs::directory_iterator(o.out))
            if (e.path().filename().string().rfind("checkpoint-step", 0) == 0) checkpoint = e.path().string();
        QVERIFY(!checkpoint.empty());
        QVERIFY(!fs::exists(o.out + "/adapter.pth"));
        const Run r = run_cli(cli_args(o) << "--resume" << QString::fromStdString(checkpoint));
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const size_t steps_per_epoch = static_cast<size_t>(examples("finetune") / o.batch_size / o.accum_iter);
        QCOMPARE(read_log_losses(o.out + "/log.jsonl").size(), o.epochs * steps_per_epoch);
    }

    void badInputGetsOneLine() {
        const TrainOptions base = options("finetune", "bad");
        auto fails_with = [&](const QStringList& args, const QStringList& needles) {
            const Run r = run_cli(args);
            if (r.code != 2) return QString("exit code %1: %2").arg(r.code).arg(r.err);
            if (r.err.trimmed().count('\n') != 0) return QString("more than one line: ") + r.err;
            for (const QString& n : needles)
                if (!r.err.contains(n)) return QString("no '%1' in: %2").arg(n, r.err);
            return QString();
        };
        auto with = [&](TrainOptions o, const std::function<void(TrainOptions&)>& change) {
            change(o);
            return cli_args(o);
        };
        QString why;
        // A missing data file.
        why = fails_with(with(base, [](TrainOptions& o) { o.data = "/nonexistent/data.json"; }), {"/nonexistent/data.json", "does not exist"});
        QVERIFY2(why.isEmpty(), qPrintable(why));
        // A row naming a file that is not there.
        std::ofstream(tmp("bad/missing.json")) << R"([{"image": "nope.jpg", "conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Yo"}]}])";
        why = fails_with(with(base, [&](TrainOptions& o) { o.data = tmp("bad/missing.json"); }), {"record 1", "nope.jpg"});
        QVERIFY2(why.isEmpty(), qPrintable(why));
        // A malformed JSON and a CSV row without its caption.
        std::ofstream(tmp("bad/broken.json")) << "[{\"instruction\": ";
        why = fails_with(with(base, [&](TrainOptions& o) { o.data = tmp("bad/broken.json"); }), {"broken.json", "not valid JSON"});
        QVERIFY2(why.isEmpty(), qPrintable(why));
        // A number too large for JSON's reader (found by the training-data fuzzer: it had ended
        // the program instead of naming the file).
        std::ofstream(tmp("bad/huge-number.json")) << "[81111111e11111111013]";
        why = fails_with(with(base, [&](TrainOptions& o) { o.data = tmp("bad/huge-number.json"); }),
                         {"huge-number.json", "not valid JSON"});
        QVERIFY2(why.isEmpty(), qPrintable(why));
        // An empty data set.
        std::ofstream(tmp("bad/empty.json")) << "[]";
        why = fails_with(with(base, [&](TrainOptions& o) { o.data = tmp("bad/empty.json"); }), {"empty.json", "no examples"});
        QVERIFY2(why.isEmpty(), qPrintable(why));
        // Every prompt fills max_words: nothing to learn.
        why = fails_with(with(base, [](TrainOptions& o) { o.max_words = 20; }), {"--max-words"});
        QVERIFY2(why.isEmpty(), qPrintable(why));
        // Some prompts fill it: those are skipped, counted and named, the rest trains.
        {
            int64_t shortest = 1 << 30, longest = 0;
            for (const auto& e : phase_json("finetune")["examples"]) {
                shortest = std::min(shortest, e["prompt_len"].get<int64_t>());
                longest = std::max(longest, e["prompt_len"].get<int64_t>());
            }
            QVERIFY(longest > shortest + 1);
            TrainOptions o = base;
            o.max_words = static_cast<int>(longest);  // the longest prompt leaves no answer token
            o.batch_size = 1;
            o.out = tmp("bad/skipped_out");
            const Run r = run_cli(cli_args(o));
            QVERIFY2(r.code == 0, qPrintable(r.err));
            QVERIFY2(r.err.contains("skipped") && r.err.contains("record"), qPrintable(r.err));
        }
        // The wrong adapter for the phase.
        why = fails_with(with(base, [&](TrainOptions& o) {
                             o.phase = "pretrain";
                             o.data = write_data("pretrain", "bad");
                         }),
                         {"adapter.pth", "fine-tuned"});
        QVERIFY2(why.isEmpty(), qPrintable(why));
        why = fails_with(with(base, [](TrainOptions& o) { o.adapter.clear(); }), {"train pretrain"});
        QVERIFY2(why.isEmpty(), qPrintable(why));
        why = fails_with(with(base, [](TrainOptions& o) { o.adapter = fixture("golden.pth"); }), {"golden.pth"});
        QVERIFY2(why.isEmpty(), qPrintable(why));
        // A non-finite loss stops the run, keeping the last good state.
        {
            TrainOptions o = options("pretrain", "nan");
            at::Tensor e = golden("pretrain.example0.embedding").clone();
            e[0] = std::numeric_limits<float>::quiet_NaN();
            write_npy(tmp("nan/pretrain0.npy"), e);
            why = fails_with(cli_args(o), {"NaN", "checkpoint-step0.pth", "--resume"});
            QVERIFY2(why.isEmpty(), qPrintable(why));
            QVERIFY(fs::is_regular_file(o.out + "/checkpoint-step0.pth"));
            QVERIFY(!fs::exists(o.out + "/adapter.pth"));
        }
        // A full disk: the write fails with the reason, and no half-written file is left.
        {
            const TrainOptions o = options("finetune", "full");
            QStringList args = cli_args(o);
            const QString out = QString::fromStdString(o.out);
            QString command = "mkdir -p '" + out + "' && mount -t tmpfs -o size=64k tmpfs '" + out + "' && '" + ibllm::test::bin_path(QStringLiteral("ibllm-cli")) + "'";
            for (const QString& a : args) command += " '" + a + "'";
            command += "; code=$?; ls -A '" + out + "'; exit $code";
            QProcess p;
            p.start("unshare", {"-rm", "sh", "-c", command});
            if (!p.waitForStarted() || !p.waitForFinished(300000)) QSKIP("unshare is not available to simulate a full disk");
            const QString err = QString::fromUtf8(p.readAllStandardError()), listing = QString::fromUtf8(p.readAllStandardOutput());
            if (err.contains("unshare:") || err.contains("mount:")) QSKIP(qPrintable("cannot mount a small tmpfs here: " + err));
            QCOMPARE(p.exitCode(), 2);
            QVERIFY2(err.contains("No space left") && err.contains("free some disk space"), qPrintable(err));
            QVERIFY2(!listing.contains(".tmp") && !listing.contains("adapter.pth"), qPrintable(listing));
        }
        // --help lists the phases; an unknown phase is refused.
        const Run help = run_cli({"train", "--help"});
        QCOMPARE(help.code, 0);
        QVERIFY(help.out.contains("pretrain") && help.out.contains("finetune"));
        QCOMPARE(run_cli({"train", "distill"}).code, 2);
    }

private:
    static size_t read_log_losses_safe(const std::string& path) {
        std::ifstream in(path);
        size_t n = 0;
        std::string line;
        while (std::getline(in, line)) n += !line.empty();
        return n;
    }
};

QTEST_GUILESS_MAIN(TestTrain)
#include "test_train.moc"
