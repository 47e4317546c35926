// train_adapter(): the training loop, written once for both phases. A phase is a data set
// (captions or instructions), a trainable set, the loss, AdamW and the schedule; this file
// adds what every run needs: batches, accumulation, logging, checkpoints, resume, Ctrl-C.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <c10/util/string_utils.h>
#include <torch/optim/adamw.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <thread>

#include "engine/engine.h"
#include "engine/checkpoint/pth_writer.h"
#include "engine/llama/llama_config.h"
#include "engine/llama/tokenizer.h"
#include "engine/train/base_init.h"
#include "engine/train/data_parallel.h"
#include "engine/train/embedding_store.h"
#include "engine/train/imagebind_training.h"
#include "engine/train/lr_schedule.h"
#include "engine/train/training_checkpoint.h"
#include "engine/train/training_data.h"
#include "engine/train/training_model.h"
#include "engine/train/trainer.h"

namespace fs = std::filesystem;

namespace ibllm {

namespace {

using Clock = std::chrono::steady_clock;

void check_options(const TrainOptions& o) {
    auto require = [](bool ok, const std::string& what) {
        if (!ok) throw Error(what);
    };
    require(!o.llama_dir.empty() || (o.phase == "base" && o.base_dim > 0),
            o.phase == "base" ? "The base phase needs a LLaMA to continue (--llama DIR) or the size of a new one (--dim, --layers, --heads)."
                              : "No LLaMA folder was given; pass --llama DIR (params.json and consolidated.00.pth).");
    require(!o.tokenizer.empty(), "No tokenizer was given; pass --tokenizer tokenizer.model.");
    require(!o.data.empty(), "No training data was given; pass --data FILE (.csv, .json or .yaml).");
    require(!o.out.empty(), "No output folder was given; pass --out DIR.");
    require(o.epochs >= 1, "--epochs must be at least 1.");
    require(o.batch_size >= 1, "--batch-size must be at least 1.");
    require(o.accum_iter >= 1, "--accum-iter must be at least 1.");
    require(o.max_words == 0 || (o.max_words >= 2 && o.max_words <= kMaxContext),
            "--max-words must be between 2 and " + std::to_string(kMaxContext) + ".");
    require(std::isfinite(o.blr) && o.blr >= 0, "--blr must be a non-negative number.");
    require(std::isfinite(o.min_lr) && o.min_lr >= 0, "--min-lr must be a non-negative number.");
    require(std::isfinite(o.weight_decay) && o.weight_decay >= 0, "--weight-decay must be a non-negative number.");
    require(std::isfinite(o.warmup_epochs) && o.warmup_epochs >= 0, "--warmup-epochs must be a non-negative number.");
    require(std::isfinite(o.clip_grad) && o.clip_grad >= 0, "--clip-grad must be a positive number.");
}

// (precision.cpp lives in the engine library, which links this one, not the reverse.)
const char* precision_name(Precision p) { return p == Precision::Fp32 ? "fp32" : p == Precision::Bf16 ? "bf16" : "auto"; }

// What a resumed run must share with the run that wrote the checkpoint.
nlohmann::json settings_of(const TrainOptions& o, TrainingPhase phase, int64_t max_words, size_t examples) {
    return {{"phase", to_string(phase)},      {"batch_size", o.batch_size},     {"accum_iter", o.accum_iter},
            {"epochs", o.epochs},             {"warmup_epochs", o.warmup_epochs}, {"blr", o.blr},
            {"min_lr", o.min_lr},             {"weight_decay", o.weight_decay}, {"max_words", max_words},
            {"seed", o.seed},                 {"shuffle", o.shuffle},           {"augment", o.augment},
            {"clip_grad", o.clip_grad},       {"precision", precision_name(o.precision)}, {"examples", examples},
            {"world_size", o.world_size}};
}

void check_resume_settings(const std::string& path, const std::string& stored, const nlohmann::json& now) {
    nlohmann::json then;
    try {
        then = nlohmann::json::parse(stored);
    } catch (const nlohmann::json::exception&) {
        throw Error(path + " has unreadable settings; it is damaged.");
    }
    for (const auto& [key, value] : now.items()) {
        if (then.contains(key) && then[key] == value) continue;
        throw Error(path + " was written by a run with " + key + " " + (then.contains(key) ? then[key].dump() : "unset") +
                    ", but this run has " + value.dump() + "; resume with the settings (and data) of the original run.");
    }
}

uint64_t mix(uint64_t a, uint64_t b, uint64_t c) {
    uint64_t h = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull) * 0xBF58476D1CE4E5B9ull;
    h ^= (c + 0x94D049BB133111EBull) * 0xD6E8FEB86659FD93ull;
    return h ^ (h >> 31);
}

std::string log_line(const TrainProgress& p) {
    nlohmann::json j = {{"step", p.step},   {"epoch", p.epoch},         {"lr", p.lr},         {"loss", p.loss},
                        {"grad_norm", p.grad_norm}, {"seconds", p.seconds}, {"tokens", p.tokens}};
    return j.dump() + "\n";
}

void append_log(const std::string& path, const std::string& line) {
    std::ofstream out(path, std::ios::app);
    out << line;
    out.flush();
    if (!out) throw Error("Could not write " + path + " (is the disk full?); free some space and resume from the last checkpoint.");
}

struct Batch {
    at::Tensor tokens, labels, embeddings;
    int64_t tokens_count = 0;
    std::string where;
};

}  // namespace

TrainSummary train_adapter(const TrainOptions& options, const TrainHooks& hooks) {
    if (options.phase == "imagebind") return train_imagebind(options, hooks);
    return run_training(options, hooks, nullptr);
}

TrainSummary run_training(const TrainOptions& o, const TrainHooks& hooks, const TrainingObserver* observer) {
    check_options(o);
    const TrainingPhase phase = parse_training_phase(o.phase);
    const int64_t max_words =
        o.max_words > 0 ? o.max_words : (phase == TrainingPhase::Pretrain ? 96 : phase == TrainingPhase::Base ? 128 : 512);
    // Each local worker takes its share of the cores, as torchrun's workers do.
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    at::set_num_threads(o.threads > 0 ? o.threads : std::max(1, cores / std::max(1, o.local_world_size)));
    std::error_code ec;
    fs::create_directories(o.out, ec);
    if (!fs::is_directory(o.out, ec)) throw Error("Could not create the output folder " + o.out + "; check the path and permissions.");
    auto out_path = [&](const std::string& name) { return (fs::path(o.out) / name).string(); };
    auto note = [&](const std::string& s) {
        if (hooks.note) hooks.note(s);
    };

    // ---- data ----
    const Tokenizer tokenizer(o.tokenizer);
    std::vector<TrainingExample> examples;
    if (phase == TrainingPhase::Base) {
        std::vector<std::string> paths;
        std::stringstream list(o.data);
        for (std::string item; std::getline(list, item, ',');)
            if (!item.empty()) paths.push_back(item);
        examples = read_text_data(paths);
    } else {
        examples = read_training_data(o.data, phase);
    }
    std::vector<TrainingExample> kept;
    std::vector<TokenizedExample> tokens;
    TrainSummary summary;
    summary.examples = static_cast<int64_t>(examples.size());
    std::string first_skipped;
    for (TrainingExample& e : examples) {
        TokenizedExample t = tokenize_example(e, tokenizer, max_words);
        if (t.label_count == 0) {
            if (summary.skipped++ == 0) first_skipped = e.where;
            continue;
        }
        kept.push_back(std::move(e));
        tokens.push_back(std::move(t));
    }
    const int64_t N = static_cast<int64_t>(kept.size());
    if (N == 0)
        throw Error("No example of " + o.data + " has an answer token within --max-words " + std::to_string(max_words) +
                    "; raise --max-words.");
    if (summary.skipped > 0)
        note(std::to_string(summary.skipped) + (summary.skipped == 1 ? " example was" : " examples were") + " skipped (the first: " +
             first_skipped + ") because the prompt fills --max-words " + std::to_string(max_words) +
             " tokens and leaves no answer token to learn; raise --max-words to keep them.");
    DataParallel dp(o);
    const bool writer = dp.rank() == 0;  // rank 0 alone writes the log, checkpoints and adapter
    // Each rank's shard holds ceil(N / world) examples (the sampler pads); the reference's
    // loader then drops the last partial batch.
    const int64_t shard = (N + dp.world_size() - 1) / dp.world_size();
    const int64_t per_epoch = shard / o.batch_size;
    const int64_t steps_per_epoch = per_epoch / o.accum_iter;
    if (steps_per_epoch == 0)
        throw Error(o.data + " has " + std::to_string(N) + " usable examples, fewer than one optimizer step needs (--batch-size " +
                    std::to_string(o.batch_size) + " x --accum-iter " + std::to_string(o.accum_iter) +
                    (dp.enabled() ? " x " + std::to_string(dp.world_size()) + " processes" : std::string()) +
                    "); add examples or lower them.");

    // ---- embeddings (ImageBind is frozen: each file once, cached) ----
    EmbeddingStore store(hooks, writer ? out_path("embeddings") : std::string(), o.blank_embedding);
    std::vector<at::Tensor> embeddings(N);
    // The base phase is text alone: no embeddings.
    for (int64_t i = 0; i < N && phase != TrainingPhase::Base; ++i) {
        if (o.augment && !kept[i].media.empty() && !EmbeddingStore::is_precomputed(kept[i].media) && i > 0) continue;
        embeddings[i] = store.get(kept[i]);
        if (hooks.encoding) hooks.encoding("Encoding the training files", i + 1, N);
    }
    if (store.encoded() > 0) note("Encoded " + std::to_string(store.encoded()) + " files with ImageBind (cached in " + out_path("embeddings") + ").");
    const int64_t visual_dim = embeddings[0].defined() ? embeddings[0].numel() : 0;

    // ---- model ----
    std::optional<TrainingCheckpoint> resumed;
    if (!o.resume.empty()) {
        if (!fs::is_regular_file(o.resume, ec))
            throw Error("The checkpoint " + o.resume + " does not exist; pass a checkpoint-*.pth of an earlier run to --resume.");
        resumed = read_training_checkpoint(o.resume);
        check_resume_settings(o.resume, resumed->settings, settings_of(o, phase, max_words, kept.size()));
    }
    TrainingModelOptions mo;
    mo.llama_dir = o.llama_dir;
    // A checkpoint holds the whole adapter of its step, so it is the start point on resume.
    mo.adapter = resumed ? o.resume : o.adapter;
    if (phase == TrainingPhase::Base) {
        mo.adapter.clear();  // a base checkpoint's weights are copied in below
        if (o.llama_dir.empty()) {
            // A new LLaMA, written once as its starting point (the same seed writes the same).
            LlamaConfig c;
            c.dim = o.base_dim, c.n_layers = o.base_layers, c.n_heads = o.base_heads, c.multiple_of = o.base_multiple_of;
            c.vocab_size = tokenizer.n_words();
            mo.llama_dir = out_path("init");
            if (writer && !fs::is_regular_file(fs::path(mo.llama_dir) / "consolidated.00.pth", ec)) write_new_llama(mo.llama_dir, c, o.seed);
            // A barrier: the other ranks load the starting point only once rank 0 has written it.
            if (dp.enabled()) dp.reduce({0.0}, 0);
        }
    }
    mo.phase = phase;
    mo.precision = o.precision;
    mo.vocab_size = tokenizer.n_words();
    mo.visual_dim = visual_dim;
    mo.seed = o.seed;
    mo.max_seq_len = max_words;
    TrainingModel model(mo);
    if (phase == TrainingPhase::Base && resumed) {
        at::NoGradGuard no_grad;
        for (const NamedParameter& p : model.parameters()) {
            const auto it = resumed->model.find(p.name);
            if (it == resumed->model.end() || !it->second.sizes().equals(p.tensor.sizes()))
                throw Error(o.resume + " does not hold " + p.name + " of this model; resume the run that wrote it.");
            p.tensor.copy_(it->second);
        }
    }
    for (int64_t i = 0; i < N; ++i)
        if (embeddings[i].defined() && embeddings[i].numel() != model.visual_dim())
            throw Error(kept[i].where + ": its embedding has " + std::to_string(embeddings[i].numel()) + " values but the adapter's "
                        "bind network takes " + std::to_string(model.visual_dim()) + "; use the ImageBind model the adapter was trained with.");

    // ---- optimizer: AdamW(betas 0.9/0.95, eps 1e-8) with add_weight_decay's two groups ----
    const std::vector<NamedParameter> trainable = model.trainable();
    std::vector<std::string> trainable_names;
    std::vector<at::Tensor> trainable_tensors;
    for (const NamedParameter& p : trainable) trainable_names.push_back(p.name), trainable_tensors.push_back(p.tensor);
    std::vector<at::Tensor> no_decay, decay, all_params;
    for (const NamedParameter& p : trainable) {
        (gets_weight_decay(p.name, p.tensor.dim()) ? decay : no_decay).push_back(p.tensor);
        all_params.push_back(p.tensor);
    }
    LrSchedule schedule;
    // eff_batch_size = batch_size * accum_iter * world_size, as main_finetune.py computes it.
    schedule.lr = o.blr * o.batch_size * o.accum_iter * dp.world_size() / 256.0;
    schedule.min_lr = o.min_lr;
    schedule.warmup_epochs = o.warmup_epochs;
    schedule.epochs = o.epochs;
    auto group_options = [&](double wd) {
        return std::make_unique<torch::optim::AdamWOptions>(
            torch::optim::AdamWOptions(schedule.lr).betas({0.9, 0.95}).eps(1e-8).weight_decay(wd));
    };
    std::vector<torch::optim::OptimizerParamGroup> groups;
    if (!no_decay.empty()) groups.emplace_back(no_decay, group_options(0.0));
    if (!decay.empty()) groups.emplace_back(decay, group_options(o.weight_decay));
    torch::optim::AdamW optimizer(groups, torch::optim::AdamWOptions(schedule.lr).betas({0.9, 0.95}).eps(1e-8));

    TrainingPosition position;
    if (resumed) {
        position = resumed->position;
        restore_adam_moments(optimizer, trainable_names, trainable_tensors, resumed->moments);
        restore_generator(*resumed);
        note("Resuming " + o.resume + " after step " + std::to_string(position.step) + ".");
    }
    const std::string settings = settings_of(o, phase, max_words, kept.size()).dump();
    {
        // What every rank must share: the settings, the examples and the model's files.
        std::string fp = settings + "|world " + std::to_string(dp.world_size()) + "|resume " + std::to_string(position.step);
        for (size_t i = 0; i < kept.size(); ++i) fp += "|" + kept[i].media + "\x1f" + kept[i].instruction + "\x1f" + kept[i].input + "\x1f" + kept[i].answer;
        for (const NamedParameter& p : model.parameters()) fp += "|" + p.name + ":" + std::to_string(p.tensor.numel());
        uint64_t h = 1469598103934665603ull;
        for (unsigned char ch : fp) h = (h ^ ch) * 1099511628211ull;
        dp.check_agreement(std::to_string(h));
    }
    nlohmann::json info = {{"phase", to_string(phase)},    {"trained_by", "ibllm-cli train"}, {"data", o.data},
                           {"epochs", o.epochs},           {"batch_size", o.batch_size},      {"accum_iter", o.accum_iter},
                           {"blr", o.blr},                 {"max_words", max_words},          {"precision", precision_name(o.precision)},
                           {"llama", model.config().size_name()}};
    if (phase == TrainingPhase::Base)
        info["model"] = {{"dim", model.config().dim}, {"layers", model.config().n_layers}, {"heads", model.config().n_heads}};
    auto config_value = [&]() {
        Value c = Value::make_dict();
        for (const auto& [k, v] : info.items()) {
            if (v.is_string()) c.set(k, Value::string(v.get<std::string>()));
            else if (v.is_number_integer()) c.set(k, Value::integer(v.get<int64_t>()));
            else if (v.is_number()) c.set(k, Value::real(v.get<double>()));
        }
        c.set("steps", Value::integer(position.step));
        return c;
    };
    auto moments = [&]() { return adam_moments(optimizer, trainable_names, trainable_tensors); };
    auto save_checkpoint = [&](const std::string& name, const TrainingPosition& at_position) {
        if (!writer) return;
        TrainingPosition saved = at_position;
        write_training_checkpoint(out_path(name), model, config_value(), moments(), saved, settings);
        summary.checkpoint = out_path(name);
    };

    // ---- the loop ----
    const std::string log_path = out_path("log.jsonl");
    if (writer) prepare_training_log(log_path, resumed ? position.step : 0);
    const int64_t total_steps = steps_per_epoch * o.epochs;
    const int64_t start_iteration = position.iteration;
    const int64_t start_step = position.step;
    const auto run_start = Clock::now();
    const int64_t T_max = max_words;
    auto make_batch = [&](const std::vector<int64_t>& rows, int epoch) {
        Batch b;
        int64_t T = 2;
        for (int64_t r : rows) T = std::max(T, tokens[r].length);
        T = std::min(T, T_max);
        // Cut after the batch's last real token: with causal attention and label 0 ignored,
        // the padding beyond it changes neither the loss nor any gradient.
        b.tokens = at::zeros({static_cast<int64_t>(rows.size()), T}, at::kLong);
        b.labels = at::zeros({static_cast<int64_t>(rows.size()), T}, at::kLong);
        std::vector<at::Tensor> emb;
        for (size_t k = 0; k < rows.size(); ++k) {
            const TokenizedExample& t = tokens[rows[k]];
            std::copy_n(t.tokens.data(), T, b.tokens[k].data_ptr<int64_t>());
            std::copy_n(t.labels.data(), T, b.labels[k].data_ptr<int64_t>());
            b.tokens_count += t.length;
            if (phase == TrainingPhase::Base) {
                b.where += (k ? "; " : "") + kept[rows[k]].where;
                continue;
            }
            at::Tensor e = embeddings[rows[k]];
            if (o.augment && !kept[rows[k]].media.empty() && !EmbeddingStore::is_precomputed(kept[rows[k]].media))
                e = store.get(kept[rows[k]], mix(o.seed, static_cast<uint64_t>(epoch), static_cast<uint64_t>(rows[k])));
            emb.push_back(e);
            b.where += (k ? "; " : "") + kept[rows[k]].where;
        }
        if (!emb.empty()) b.embeddings = at::stack(emb);
        return b;
    };

    TrainingPosition last_step_position = position;
    double last_loss = 0;
    auto stop_here = [&](const std::string& name) {
        summary.interrupted = true;
        summary.steps = last_step_position.step;
        summary.last_loss = last_loss;
        summary.checkpoint = out_path(name);
        return summary;
    };
    for (int epoch = 0; epoch < o.epochs; ++epoch) {
        if ((epoch + 1) * per_epoch <= start_iteration) continue;
        // The reference's DistributedSampler: torch.randperm(N) seeded with seed + epoch (or
        // file order), padded to the world size, every world_size-th example from the rank.
        const std::vector<int64_t> order = shard_indices(N, dp.world_size(), dp.rank(), o.shuffle, o.seed, epoch);
        optimizer.zero_grad();
        double step_loss = 0, step_seconds = 0;
        int64_t step_tokens = 0;
        std::string bad_loss_where;
        for (int64_t it = 0; it < per_epoch; ++it) {
            const int64_t iteration = epoch * per_epoch + it;
            if (iteration < start_iteration) continue;
            const auto t0 = Clock::now();
            if (it % o.accum_iter == 0) {
                const double lr = schedule.at(static_cast<double>(it) / per_epoch + epoch);
                for (auto& g : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
                step_loss = 0, step_seconds = 0, step_tokens = 0;
                bad_loss_where.clear();
            }
            const std::vector<int64_t> rows(order.begin() + it * o.batch_size, order.begin() + (it + 1) * o.batch_size);
            const Batch b = make_batch(rows, epoch);
            const at::Tensor loss = model.loss(b.tokens, b.labels, b.embeddings, o.checkpointing);
            const double value = loss.item<double>();
            // A non-finite loss is not back-propagated; the step stops below, on every rank.
            if (!std::isfinite(value) && bad_loss_where.empty()) bad_loss_where = b.where + (std::isnan(value) ? " NaN" : " inf");
            if (std::isfinite(value)) (loss / static_cast<double>(o.accum_iter)).backward();
            step_loss += value / o.accum_iter;
            step_tokens += b.tokens_count;
            step_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
            if ((it + 1) % o.accum_iter != 0) continue;

            // ---- one optimizer step ----
            const auto t1 = Clock::now();
            const std::string last_good = "checkpoint-step" + std::to_string(last_step_position.step) + ".pth";
            double mean_loss = step_loss;
            bool stop = false, bad = false;
            try {
                dp.average_gradients(all_params, iteration);
                const std::vector<double> r = dp.reduce({step_loss, hooks.interrupt && hooks.interrupt->load() ? 1.0 : 0.0,
                                                         bad_loss_where.empty() ? 0.0 : 1.0},
                                                        iteration);
                mean_loss = r[0] / dp.world_size();
                stop = r[1] > 0, bad = r[2] > 0;
            } catch (const Error&) {
                save_checkpoint(last_good, last_step_position);  // the parameters are still those of the last step
                throw;
            }
            if (bad) {
                save_checkpoint(last_good, last_step_position);
                const bool here = !bad_loss_where.empty();
                throw Error("The loss became " + std::string(here && bad_loss_where.find(" NaN") != std::string::npos ? "NaN" : "non-finite") +
                            " in step " + std::to_string(last_step_position.step + 1) + " (" +
                            (here ? bad_loss_where.substr(0, bad_loss_where.rfind(' ')) : std::string("on another rank")) +
                            "), so training stopped; nothing of that step was applied and the last good state is in " +
                            out_path(last_good) + ": lower --blr or set --clip-grad, then --resume it.");
            }
            std::vector<at::Tensor> norms;
            for (const at::Tensor& p : all_params)
                if (p.grad().defined()) norms.push_back(p.grad().detach().norm());
            const double grad_norm = norms.empty() ? 0.0 : at::stack(norms).norm().item<double>();
            if (observer && observer->before_update) observer->before_update(position.step, model);
            if (o.clip_grad > 0) {
                // clip_grad_norm_: scale every gradient by max_norm / (norm + 1e-6) when that is below 1.
                const double coef = o.clip_grad / (grad_norm + 1e-6);
                if (coef < 1.0)
                    for (const at::Tensor& p : all_params)
                        if (p.grad().defined()) p.grad().mul_(coef);
            }
            optimizer.step();
            if (observer && observer->after_update) observer->after_update(position.step, model);
            optimizer.zero_grad();
            ++position.step;
            position.iteration = iteration + 1;
            position.epoch = position.iteration / per_epoch;
            last_step_position = position;
            step_seconds += std::chrono::duration<double>(Clock::now() - t1).count();
            last_loss = mean_loss;
            TrainProgress p;
            p.step = position.step;
            p.total_steps = total_steps;
            p.epoch = epoch;
            p.loss = mean_loss;
            p.lr = static_cast<torch::optim::AdamWOptions&>(optimizer.param_groups()[0].options()).lr();
            p.grad_norm = grad_norm;
            p.seconds = step_seconds;
            p.tokens = step_tokens * dp.world_size();
            p.tokens_per_s = step_seconds > 0 ? p.tokens / step_seconds : 0;
            const double elapsed = std::chrono::duration<double>(Clock::now() - run_start).count();
            const int64_t done_here = position.step - start_step;
            p.eta_s = done_here > 0 ? elapsed / done_here * (total_steps - position.step) : 0;
            if (writer) append_log(log_path, log_line(p));
            if (hooks.progress && writer) hooks.progress(p);
            const std::string name = "checkpoint-step" + std::to_string(position.step) + ".pth";
            if (o.save_every_step || stop) save_checkpoint(name, position);
            if (stop) return stop_here(name);
        }
        if (o.save_every_epoch) {
            TrainingPosition end = position;
            end.iteration = (epoch + 1) * per_epoch;
            end.epoch = epoch + 1;
            position.iteration = end.iteration;
            position.epoch = end.epoch;
            last_step_position = position;
            save_checkpoint("checkpoint-epoch" + std::to_string(epoch + 1) + ".pth", end);
        }
    }
    summary.steps = position.step;
    summary.last_loss = last_loss;
    if (phase == TrainingPhase::Base) {
        // Meta's layout: params.json and consolidated.00.pth (float16, as Meta ships it).
        summary.adapter = out_path("consolidated.00.pth");
        if (writer) {
            write_pth(summary.adapter, model.base_checkpoint(at::kHalf));
            write_params_json(out_path("params.json"), model.config());
        }
        return summary;
    }
    summary.adapter = out_path("adapter.pth");
    if (writer) write_pth(summary.adapter, model.adapter_checkpoint(config_value()));
    return summary;
}

}  // namespace ibllm
