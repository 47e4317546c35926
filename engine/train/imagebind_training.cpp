#include "engine/train/imagebind_training.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/optim/adamw.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "engine/checkpoint/pickle_value.h"
#include "engine/checkpoint/pth_reader.h"
#include "engine/checkpoint/pth_writer.h"
#include "engine/checkpoint/tensor_store.h"
#include "engine/error.h"
#include "engine/imagebind/imagebind_config.h"
#include "engine/imagebind/imagebind_model.h"
#include "engine/imagebind/pointbert/point_bert_config.h"
#include "engine/imagebind/pointbert/point_encoder.h"
#include "engine/train/contrastive_loss.h"
#include "engine/train/data_parallel.h"
#include "engine/train/imagebind_init.h"
#include "engine/train/lr_schedule.h"
#include "engine/train/training_checkpoint.h"
#include "engine/train/training_phase.h"

namespace fs = std::filesystem;

namespace ibllm {

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kClasses = kWorldShapes * kWorldColours;
constexpr int kCaptionVariants = 16;  // variants of world_caption() drawn from (its templates repeat within them)

// One file of a world folder, as labels.csv lists it, with its encoder input.
struct WorldFile {
    std::string path;
    std::string where;  // "DIR/labels.csv row N"
    Modality modality = Modality::Image;
    int shape = 0, colour = 0;
    at::Tensor input;  // preprocessed, with a leading batch dim of 1
    std::optional<EncoderInput> decoded;  // with --augment: the file as decoded, drawn from at each use
    int cls() const { return shape * kWorldColours + colour; }
};

int word_index(const std::string& word, bool shape) {
    for (int i = 0; i < (shape ? kWorldShapes : kWorldColours); ++i)
        if ((shape ? world_shape_name(i) : world_colour_name(i)) == word) return i;
    return -1;
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.pop_back();
    size_t i = 0;
    while (i < s.size() && s[i] == ' ') ++i;
    return s.substr(i);
}

// The modality a labels.csv row names (the world's four); engine/modality.cpp's parser lives in
// the library above this one.
Modality world_modality(const std::string& word, const std::string& where) {
    if (word == "image") return Modality::Image;
    if (word == "audio") return Modality::Audio;
    if (word == "point") return Modality::Point;
    if (word == "depth") return Modality::Depth;
    throw Error(where + " names the modality '" + word + "'; a solids world has image, audio, point and depth.");
}

// labels.csv (file,modality,shape,colour) of every folder, keeping the modalities asked for.
std::vector<WorldFile> read_labels(const std::vector<std::string>& dirs, const std::vector<std::string>& keep) {
    std::vector<WorldFile> out;
    for (const std::string& dir : dirs) {
        const fs::path labels = fs::path(dir) / "labels.csv";
        std::ifstream in(labels);
        if (!in)
            throw Error(dir + " is not a solids-world folder (it has no labels.csv); make one with `ibllm-cli world make --out " +
                        dir + "`.");
        std::string line;
        int64_t row = 0;
        while (std::getline(in, line)) {
            ++row;
            line = trim(line);
            if (line.empty() || (row == 1 && line.rfind("file,", 0) == 0)) continue;
            std::vector<std::string> f;
            std::stringstream s(line);
            for (std::string cell; std::getline(s, cell, ',');) f.push_back(trim(cell));
            const std::string where = labels.string() + " row " + std::to_string(row);
            if (f.size() != 4) throw Error(where + " has " + std::to_string(f.size()) + " fields; labels.csv rows are file,modality,shape,colour.");
            if (std::find(keep.begin(), keep.end(), f[1]) == keep.end()) continue;
            WorldFile w;
            w.path = (fs::path(dir) / f[0]).string();
            w.where = where;
            w.modality = world_modality(f[1], where);
            w.shape = word_index(f[2], true);
            w.colour = word_index(f[3], false);
            if (w.shape < 0 || w.colour < 0)
                throw Error(where + " names '" + f[2] + " " + f[3] + "', which is not a shape and colour of the solids world.");
            out.push_back(std::move(w));
        }
    }
    return out;
}

at::Tensor to_tensor(const TensorData& td) {
    return at::from_blob(const_cast<float*>(td.values.data()), td.shape, at::kFloat).clone();
}

// The encoder input of one file with a leading batch dim of 1.
at::Tensor batch_of_one(at::Tensor t, Modality m) {
    const int64_t rank = m == Modality::Audio ? 5 : m == Modality::Point ? 3 : 4;
    return t.dim() == rank - 1 ? t.unsqueeze(0) : t;
}

at::Tensor l2_normalised(const at::Tensor& x) { return x / x.norm(2, {-1}, true).clamp_min(1e-12); }

std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

const char* modality_word(Modality m) {
    switch (m) {
        case Modality::Image: return "image";
        case Modality::Audio: return "audio";
        case Modality::Point: return "point";
        case Modality::Depth: return "depth";
        default: return "?";
    }
}

// The encoders the stage trains, over the tensors of one store. The store's tensors are
// shared, so an optimizer step on them is what the next forward computes with.
class Encoders {
public:
    Encoders(const TensorStore& store, const ImageBindConfig& config) : model_(store, config, at::kFloat) {
        if (config.point.is_object() && PointEncoder::present(store))
            points_ = std::make_unique<PointEncoder>(store, PointBertConfig::from_json(config.point, config.out_embed_dim, config.source));
    }

    // [B, E] as the product's forward gives it (normalised, times the modality's logit scale).
    at::Tensor forward(Modality m, const std::vector<at::Tensor>& inputs) const {
        bool same = true;
        for (const at::Tensor& t : inputs) same = same && t.sizes() == inputs[0].sizes();
        if (!same) {  // point clouds of different sizes: one at a time
            std::vector<at::Tensor> out;
            for (const at::Tensor& t : inputs) out.push_back(forward(m, {t}));
            return at::cat(out);
        }
        const at::Tensor x = at::cat(inputs);
        switch (m) {
            case Modality::Image: return model_.forward(ImageBindTrunk::Vision, x);
            case Modality::Text: return model_.forward(ImageBindTrunk::Text, x);
            case Modality::Audio: return model_.forward(ImageBindTrunk::Audio, x);
            case Modality::Depth: return model_.forward(ImageBindTrunk::Depth, x);
            case Modality::Point:
                if (!points_) throw Error("The ImageBind config has no 'point' section, so points cannot be trained; add one.");
                return points_->forward(x);
            default: throw Error("train imagebind reads images, sounds, point clouds and depth maps only.");
        }
    }

private:
    ImageBindModel model_;
    std::unique_ptr<PointEncoder> points_;
};

// A checkpoint of `train imagebind` (checkpoint-<stage>-*.pth), with the stage it was in;
// anything else given to --resume is named for what it is.
TrainingCheckpoint read_imagebind_checkpoint(const std::string& path, std::string* stage) {
    {
        const PthFile file = read_pth(path);
        const Value* in_progress = file.root.find("imagebind_stage");
        if (!in_progress || !in_progress->is_string()) {
            bool model = false;
            if (file.root.is_dict())
                for (const auto& [k, v] : file.root.dict) model = model || (k.is_string() && k.s.rfind("modality_", 0) == 0);
            if (model)
                throw Error(path + " is an ImageBind model (a stage's imagebind.pth), not a training checkpoint; to train on from it "
                            "pass --imagebind " + path + " with --stage modalities, or pass a checkpoint-<stage>-*.pth to --resume.");
            throw Error(path + " is not a checkpoint of `train imagebind`; pass one of its checkpoint-<stage>-*.pth files to "
                        "--resume, or leave --resume out.");
        }
        *stage = in_progress->s;
    }
    return read_training_checkpoint(path);
}

void append_line(const std::string& path, const nlohmann::json& j) {
    std::ofstream out(path, std::ios::app);
    out << j.dump() << "\n";
}

}  // namespace

std::vector<std::vector<int64_t>> class_distinct_batches(const std::vector<int>& item_class, int batch, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::map<int, std::vector<int64_t>> by_class;
    for (size_t i = 0; i < item_class.size(); ++i) by_class[item_class[i]].push_back(static_cast<int64_t>(i));
    std::vector<std::vector<int64_t>> queues;
    for (auto& [c, items] : by_class) {
        std::shuffle(items.begin(), items.end(), rng);
        queues.push_back(items);
    }
    std::vector<std::vector<int64_t>> batches;
    std::vector<size_t> order(queues.size());
    for (;;) {
        // The classes with the most left go first (ties in random order), so that batches
        // stay full until the end of the epoch.
        for (size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::shuffle(order.begin(), order.end(), rng);
        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return queues[a].size() > queues[b].size(); });
        std::vector<int64_t> b;
        for (size_t q : order) {
            if (static_cast<int>(b.size()) == batch || queues[q].empty()) break;
            b.push_back(queues[q].back());
            queues[q].pop_back();
        }
        if (b.empty()) break;
        batches.push_back(std::move(b));
    }
    return batches;
}

TrainSummary train_imagebind(const TrainOptions& o, const TrainHooks& hooks) {
    auto note = [&](const std::string& s) {
        if (hooks.note) hooks.note(s);
    };
    if (o.data.empty()) throw Error("No world folder was given; pass --data WORLD_DIR (made by `ibllm-cli world make`).");
    if (o.out.empty()) throw Error("No output folder was given; pass --out DIR.");
    if (o.imagebind_config.empty())
        throw Error("No ImageBind config was given; pass --imagebind-config FILE (resources/models/solids/imagebind_config.json is the "
                    "solids world's).");
    if (o.imagebind_stage != "text" && o.imagebind_stage != "modalities" && o.imagebind_stage != "all")
        throw Error("--stage must be text, modalities or all (got '" + o.imagebind_stage + "').");
    if (o.epochs < 1) throw Error("--epochs must be at least 1.");
    if (o.batch_size < 2) throw Error("--batch-size must be at least 2: a contrastive batch needs negatives.");
    if (o.save_dtype != "fp32" && o.save_dtype != "bf16") throw Error("--save-dtype must be fp32 or bf16.");
    if (!hooks.prepare || !hooks.prepare_texts) throw std::logic_error("train_imagebind needs the prepare hooks");
    if (o.augment && (!hooks.decode || !hooks.preprocess)) throw std::logic_error("train_imagebind --augment needs the decode hooks");
    std::optional<TrainingCheckpoint> resumed;
    std::string resumed_stage;
    if (!o.resume.empty()) {
        std::error_code exists;
        if (!fs::is_regular_file(o.resume, exists))
            throw Error("The checkpoint " + o.resume + " does not exist; pass a checkpoint-<stage>-*.pth of an earlier `train "
                        "imagebind` run to --resume.");
        resumed = read_imagebind_checkpoint(o.resume, &resumed_stage);
        if (resumed_stage != "text" && resumed_stage != "modalities") throw Error(o.resume + " names an unknown stage; it is damaged.");
    }
    if (o.batch_size * std::max(1, o.world_size) > kClasses)
        throw Error("--batch-size " + std::to_string(o.batch_size) + " on " + std::to_string(o.world_size) +
                    " ranks makes a global batch of " + std::to_string(o.batch_size * o.world_size) + ", but a batch holds at most one file of each of the " +
                    std::to_string(kClasses) + " classes; pass --batch-size " + std::to_string(kClasses / std::max(1, o.world_size)) + " or less.");
    const bool stage_text = o.imagebind_stage != "modalities";
    const bool stage_modalities = o.imagebind_stage != "text";
    if (!stage_text && o.imagebind.empty() && !resumed)
        throw Error("The modalities stage trains against the image encoder of an earlier text stage; pass --imagebind "
                    "OUT/imagebind.pth from `train imagebind --stage text`.");

    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    at::set_num_threads(o.threads > 0 ? o.threads : std::max(1, cores / std::max(1, o.local_world_size)));
    at::manual_seed(o.seed);
    std::error_code ec;
    fs::create_directories(o.out, ec);
    if (!fs::is_directory(o.out, ec)) throw Error("Could not create the output folder " + o.out + "; check the path and permissions.");
    const auto out_path = [&](const std::string& name) { return (fs::path(o.out) / name).string(); };

    ImageBindConfig config = ImageBindConfig::from_json_file(o.imagebind_config);
    for (const char* m : {"vision", "text"})
        if (!config.modalities.count(m))
            throw Error(o.imagebind_config + " has no '" + m + "' modality; train imagebind needs vision and text (and audio, "
                        "depth or a point section for the modalities stage).");

    // ---- the model: new and seeded (the same on every rank), or an earlier stage's ----
    TensorStore store("a new ImageBind");
    if (resumed) {
        // The checkpoint holds every tensor of its step: the start point.
        const TensorStore fresh = new_imagebind_weights(config, o.seed);
        store = TensorStore(o.resume);
        for (const std::string& name : fresh.names()) {
            const auto it = resumed->model.find(name);
            if (it == resumed->model.end() || !it->second.sizes().equals(fresh.get(name).sizes()))
                throw Error(o.resume + " does not hold " + name + " of " + o.imagebind_config +
                            "; resume with the config of the run that wrote it.");
            store.add(name, it->second.to(at::kFloat).clone());
        }
    } else if (o.imagebind.empty()) {
        store = new_imagebind_weights(config, o.seed);
    } else {
        const TensorStore start = TensorStore::from_pth(o.imagebind);
        TensorStore fresh = new_imagebind_weights(config, o.seed);
        store = TensorStore(o.imagebind);
        for (const std::string& name : fresh.names()) {
            const at::Tensor want = fresh.get(name);
            if (!start.contains(name))
                throw Error(o.imagebind + " has no tensor '" + name + "' of " + o.imagebind_config +
                            "; pass the imagebind.pth that `train imagebind` wrote with this config.");
            const at::Tensor t = start.get(name, want.sizes());
            store.add(name, t.to(at::kFloat).clone());
        }
    }

    // ---- the data: every file of the stages' modalities, preprocessed once ----
    std::vector<std::string> kinds = {"image"};
    std::vector<Modality> others;
    if (stage_modalities) {
        for (const char* m : {"audio", "depth"})
            if (config.modalities.count(m)) kinds.push_back(m), others.push_back(world_modality(m, o.imagebind_config));
        if (config.point.is_object()) kinds.push_back("point"), others.push_back(Modality::Point);
    }
    std::vector<WorldFile> files = read_labels(split_list(o.data), kinds);
    std::map<Modality, std::vector<int64_t>> of;  // file indices per modality
    for (size_t i = 0; i < files.size(); ++i) of[files[i].modality].push_back(static_cast<int64_t>(i));
    for (const std::string& k : kinds)
        if (of[world_modality(k, o.data)].empty())
            throw Error(o.data + " has no " + k + " files, which the " + (k == "image" ? std::string("image") : k) +
                        " encoder's training needs; make the world with `ibllm-cli world make --modalities image,audio,point,depth`.");
    for (size_t i = 0; i < files.size(); ++i) {
        try {
            if (o.augment && files[i].modality != Modality::Depth) {
                files[i].decoded = hooks.decode(files[i].path, files[i].modality);
                files[i].input = batch_of_one(to_tensor(hooks.preprocess(*files[i].decoded)), files[i].modality);
            } else {
                files[i].input = batch_of_one(to_tensor(hooks.prepare(files[i].path, files[i].modality)), files[i].modality);
            }
        } catch (const Error& e) {
            throw Error(files[i].where + ": " + e.what());
        }
        if (hooks.encoding) hooks.encoding("Preparing the training files", static_cast<int64_t>(i + 1), static_cast<int64_t>(files.size()));
    }
    // The captions' CLIP BPE ids, [1, 77] each: every template of every class in both
    // languages, tokenized once.
    std::vector<std::string> texts;
    for (int c = 0; c < kClasses; ++c)
        for (int zh = 0; zh < 2; ++zh)
            for (int v = 0; v < kCaptionVariants; ++v) texts.push_back(world_caption(c / kWorldColours, c % kWorldColours, zh, v));
    std::vector<at::Tensor> caption_ids;
    for (const TensorData& td : hooks.prepare_texts(texts)) caption_ids.push_back(to_tensor(td).to(at::kLong));
    auto caption_tensor = [&](int cls, bool chinese, int variant) {
        return caption_ids[(cls * 2 + (chinese ? 1 : 0)) * kCaptionVariants + variant];
    };

    DataParallel dp(o);
    const bool writer = dp.rank() == 0;
    // What a resumed run must share with the run that wrote its checkpoint.
    uint64_t data_hash = 1469598103934665603ull;
    for (const WorldFile& f : files)
        for (unsigned char ch : f.path + ":" + std::to_string(f.cls()) + "|") data_hash = (data_hash ^ ch) * 1099511628211ull;
    const nlohmann::json settings = {{"phase", "imagebind"},        {"stage", o.imagebind_stage},   {"epochs", o.epochs},
                                     {"batch_size", o.batch_size},  {"blr", o.blr},                 {"min_lr", o.min_lr},
                                     {"warmup_epochs", o.warmup_epochs}, {"weight_decay", o.weight_decay}, {"seed", o.seed},
                                     {"world_size", dp.world_size()}, {"augment", o.augment}, {"files", files.size()},      {"data", std::to_string(data_hash)}};
    if (resumed) {
        nlohmann::json stored;
        try {
            stored = nlohmann::json::parse(resumed->settings);
        } catch (const nlohmann::json::exception&) {
            throw Error(o.resume + " has unreadable settings; it is damaged.");
        }
        for (const auto& [key, value] : settings.items()) {
            if (stored.contains(key) && stored.at(key) == value) continue;
            const std::string was = stored.contains(key) ? stored.at(key).dump() : std::string("nothing");
            throw Error(o.resume + " was written by a run with " + key + " " + was + ", but this run has " + value.dump() +
                        (key == "stage" ? "; resume with --stage " + (stored.contains(key) ? stored.at(key).get<std::string>() : std::string("?")) +
                                              ", or start the " + o.imagebind_stage + " stage from that run's imagebind.pth with --imagebind"
                                        : "; resume with the settings (and data) of the original run") + ".");
        }
        restore_generator(*resumed);
        note("Resuming " + o.resume + " after step " + std::to_string(resumed->position.step) + " (stage " + resumed_stage + ").");
    }
    {
        // What every rank must share: settings, world size, the files and their classes, the model.
        std::string fp = settings.dump() + "|resume " + (resumed ? std::to_string(resumed->position.step) : std::string("-"));
        for (const WorldFile& f : files) fp += "|" + f.path + ":" + std::to_string(f.cls());
        for (const std::string& n : store.names()) fp += "|" + n + ":" + std::to_string(store.get(n).numel());
        uint64_t h = 1469598103934665603ull;
        for (unsigned char ch : fp) h = (h ^ ch) * 1099511628211ull;
        dp.check_agreement(std::to_string(h));
    }
    const std::string log_path = out_path("log.jsonl");
    if (writer) prepare_training_log(log_path, resumed ? resumed->position.step : 0);

    TrainSummary summary;
    summary.examples = static_cast<int64_t>(files.size());
    const auto run_start = Clock::now();
    int64_t global_step = resumed ? resumed->position.step : 0;

    // Runs one stage: `modalities` are the encoders trained (their tensors get gradients);
    // `step_loss(epoch, step)` computes the rank's loss of one step.
    auto run_stage = [&](const std::string& stage, const std::vector<std::string>& trained, int64_t steps_per_epoch,
                         const std::function<at::Tensor(const Encoders&, int epoch, int64_t step, int64_t* items)>& step_loss) {
        std::vector<at::Tensor> decay, no_decay, params;
        std::vector<std::string> param_names;
        for (const std::string& name : store.names()) {
            at::Tensor t = store.get(name);
            const bool train = std::find(trained.begin(), trained.end(), imagebind_tensor_modality(name)) != trained.end() &&
                               imagebind_tensor_trainable(config, name);
            t.requires_grad_(train);
            if (!train) continue;
            params.push_back(t);
            param_names.push_back(name);
            const bool no_wd = !gets_weight_decay(name, t.dim()) || name.find("cls_token") != std::string::npos ||
                               name.find("pos_embed") != std::string::npos || name.find("cls_pos") != std::string::npos ||
                               name.find("logit_scale") != std::string::npos;
            (no_wd ? no_decay : decay).push_back(t);
        }
        const Encoders encoders(store, config);
        LrSchedule schedule;
        schedule.lr = o.blr * o.batch_size * o.accum_iter * dp.world_size() / 256.0;
        schedule.min_lr = o.min_lr;
        schedule.warmup_epochs = o.warmup_epochs;
        schedule.epochs = o.epochs;
        // CLIP's AdamW: betas (0.9, 0.98), eps 1e-6.
        auto opts = [&](double wd) {
            return std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(schedule.lr).betas({0.9, 0.98}).eps(1e-6).weight_decay(wd));
        };
        std::vector<torch::optim::OptimizerParamGroup> groups;
        if (!no_decay.empty()) groups.emplace_back(no_decay, opts(0.0));
        if (!decay.empty()) groups.emplace_back(decay, opts(o.weight_decay));
        torch::optim::AdamW optimizer(groups, torch::optim::AdamWOptions(schedule.lr));
        int64_t done = 0;  // steps of this stage already taken (by the run a checkpoint resumes)
        if (resumed && resumed_stage == stage) {
            done = resumed->position.iteration;
            restore_adam_moments(optimizer, param_names, params, resumed->moments);
        }
        // checkpoint-<stage>-<when>.pth: every tensor (the model as imagebind.pth holds it, in
        // float32), AdamW's moments, the position and the settings.
        auto save_checkpoint = [&](const std::string& when, int64_t stage_steps) {
            if (!writer) return;
            Value root = Value::make_dict();
            Value model = Value::make_dict(true);
            for (const std::string& name : store.names()) model.set(name, Value::from_tensor(store.get(name).detach().contiguous()));
            root.set("model", model);
            root.set("imagebind_stage", Value::string(stage));
            const std::map<std::string, AdamMoments> moments = adam_moments(optimizer, param_names, params);
            TrainingPosition position;
            position.step = global_step;
            position.iteration = stage_steps;
            position.epoch = stage_steps / steps_per_epoch;
            const std::string path = out_path("checkpoint-" + stage + "-" + when + ".pth");
            write_training_checkpoint(path, root, moments, position, settings.dump());
            summary.checkpoint = path;
        };
        const int64_t total = steps_per_epoch * o.epochs;
        for (int epoch = static_cast<int>(done / steps_per_epoch); epoch < o.epochs; ++epoch) {
            const int64_t first = epoch == done / steps_per_epoch ? done % steps_per_epoch : 0;
            for (int64_t s = first; s < steps_per_epoch; ++s) {
                const auto t0 = Clock::now();
                const double lr = schedule.at(epoch + static_cast<double>(s) / steps_per_epoch);
                for (auto& g : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
                for (at::Tensor& t : params) t.mutable_grad() = at::Tensor();
                int64_t items = 0;
                const at::Tensor loss = step_loss(encoders, epoch, s, &items);
                const double value = loss.item<double>();
                // Every rank computes the global batch's loss, but its gradient flows through the
                // rank's own rows alone; times the world size, the ranks' average is the gradient
                // of one process holding the whole batch.
                if (std::isfinite(value) && loss.requires_grad()) (dp.world_size() > 1 ? loss * dp.world_size() : loss).backward();
                const int64_t iteration = global_step;
                dp.average_gradients(params, iteration);
                const std::vector<double> r =
                    dp.reduce({value, hooks.interrupt && hooks.interrupt->load() ? 1.0 : 0.0, std::isfinite(value) ? 0.0 : 1.0}, iteration);
                const double mean_loss = r[0] / dp.world_size();  // the same on every rank
                const int64_t stage_steps = epoch * steps_per_epoch + s;  // taken before this one
                if (r[2] > 0) {
                    // The weights are still the last finite step's: keep them.
                    const std::string when = "step" + std::to_string(stage_steps);
                    save_checkpoint(when, stage_steps);
                    throw Error("The loss of train imagebind became non-finite in step " + std::to_string(global_step + 1) +
                                " of the " + stage + " stage, so training stopped; the last good step is in " +
                                out_path("checkpoint-" + stage + "-" + when + ".pth") + ". Lower --blr and start again.");
                }
                optimizer.step();
                ++global_step;
                summary.last_loss = mean_loss;
                TrainProgress p;
                p.step = stage_steps + 1;
                p.total_steps = total;
                p.epoch = epoch;
                p.loss = mean_loss;
                p.lr = lr;
                p.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
                p.tokens = items * dp.world_size();
                p.tokens_per_s = p.seconds > 0 ? p.tokens / p.seconds : 0;
                const double elapsed = std::chrono::duration<double>(Clock::now() - run_start).count();
                p.eta_s = elapsed / std::max<int64_t>(1, p.step - done) * (total - p.step);
                if (writer) {
                    append_line(log_path, {{"stage", stage}, {"step", global_step}, {"epoch", epoch}, {"loss", mean_loss}, {"lr", lr},
                                           {"samples", p.tokens}, {"seconds", p.seconds}});
                    if (hooks.progress) hooks.progress(p);
                }
                if (r[1] > 0) {  // Ctrl-C: keep this step, then stop
                    save_checkpoint("step" + std::to_string(stage_steps + 1), stage_steps + 1);
                    summary.steps = global_step;
                    summary.interrupted = true;
                    return false;
                }
                if (o.save_every_step) save_checkpoint("step" + std::to_string(stage_steps + 1), stage_steps + 1);
            }
            if (o.save_every_epoch) save_checkpoint("epoch" + std::to_string(epoch + 1), (epoch + 1) * steps_per_epoch);
        }
        for (const at::Tensor& t : params) t.requires_grad_(false);
        return true;
    };

    // Zero-shot classification against the 36 English captions (the text encoder), and the
    // share of files whose nearest caption has the right class: what `world eval` reports.
    auto caption_embeddings = [&](const Encoders& enc) {
        std::vector<at::Tensor> ids;
        for (int c = 0; c < kClasses; ++c) ids.push_back(caption_tensor(c, false, 0));
        return l2_normalised(enc.forward(Modality::Text, ids));
    };
    auto zero_shot = [&](const Encoders& enc, Modality m, const at::Tensor& captions) {
        at::NoGradGuard no_grad;
        const std::vector<int64_t>& idx = of[m];
        const int64_t n = std::min<int64_t>(static_cast<int64_t>(idx.size()), 180);
        int64_t right = 0;
        for (int64_t start = 0; start < n; start += 36) {
            std::vector<at::Tensor> in;
            for (int64_t i = start; i < std::min(n, start + 36); ++i) in.push_back(files[idx[i]].input);
            const at::Tensor best = at::matmul(l2_normalised(enc.forward(m, in)), captions.t()).argmax(1);
            for (int64_t i = start; i < std::min(n, start + 36); ++i) right += best[i - start].item<int64_t>() == files[idx[i]].cls();
        }
        return n ? static_cast<double>(right) / n : 0.0;
    };
    nlohmann::json accuracy = nlohmann::json::object();

    // ---- stage text: images and their captions ----
    const std::vector<int64_t>& images = of[Modality::Image];
    std::vector<int> image_class;
    for (int64_t i : images) image_class.push_back(files[i].cls());
    // A step's global batch holds at most one file per class (world size x --batch-size of
    // them); each rank encodes its slice, and the loss sees every rank's embeddings.
    const int global_batch = std::min(o.batch_size * dp.world_size(), kClasses);
    auto slice_of = [&](int64_t n, int rank) {  // [first, end) of `rank`'s share of n items
        const int64_t per = (n + dp.world_size() - 1) / dp.world_size();
        return std::make_pair(std::min(n, rank * per), std::min(n, (rank + 1) * per));
    };
    auto counts_of = [&](int64_t n) {
        std::vector<int64_t> c;
        for (int r = 0; r < dp.world_size(); ++r) c.push_back(slice_of(n, r).second - slice_of(n, r).first);
        return c;
    };
    // A file's encoder input for one use in a step: with --augment a fresh draw (seeded by the
    // step and the file, the same on every rank), else the one prepared at the start. Only the
    // rank's own slice is drawn; the others' stay undefined (encode_global skips them).
    auto use_of = [&](const WorldFile& f, int64_t step, bool mine) {
        if (!f.decoded || !mine) return mine ? f.input : at::Tensor();
        uint64_t h = 1469598103934665603ull;
        for (unsigned char ch : f.path) h = (h ^ ch) * 1099511628211ull;
        const uint64_t seed = h ^ (o.seed * 0x9E3779B97F4A7C15ull) ^ (static_cast<uint64_t>(step) * 0xBF58476D1CE4E5B9ull);
        return batch_of_one(to_tensor(hooks.preprocess(augment_world_input(*f.decoded, seed))), f.modality);
    };
    // The rank's rows of the encoder's output, gathered into the global batch's.
    auto encode_global = [&](const Encoders& enc, Modality m, const std::vector<at::Tensor>& all_inputs, int64_t iteration) {
        const auto [first, end] = slice_of(static_cast<int64_t>(all_inputs.size()), dp.rank());
        at::Tensor local = first < end ? enc.forward(m, std::vector<at::Tensor>(all_inputs.begin() + first, all_inputs.begin() + end))
                                       : at::zeros({0, config.out_embed_dim}, at::kFloat);
        return dp.all_gather_rows(local, counts_of(static_cast<int64_t>(all_inputs.size())), iteration);
    };
    if (stage_text && !(resumed && resumed_stage == "modalities")) {
        const int64_t steps = static_cast<int64_t>(class_distinct_batches(image_class, global_batch, o.seed).size());
        std::map<int, std::vector<std::vector<int64_t>>> epoch_batches;
        const bool done = run_stage("text", {"vision", "text"}, steps, [&](const Encoders& enc, int epoch, int64_t s, int64_t* items) {
            auto it = epoch_batches.find(epoch);
            if (it == epoch_batches.end()) it = epoch_batches.emplace(epoch, class_distinct_batches(image_class, global_batch, o.seed + epoch)).first;
            const std::vector<int64_t>& b = it->second[s];
            std::vector<at::Tensor> pixels, ids;
            std::mt19937_64 rng(o.seed * 1000003 + static_cast<uint64_t>(epoch) * 7919 + static_cast<uint64_t>(s) * 104729);
            const auto [mine_first, mine_end] = slice_of(static_cast<int64_t>(b.size()), dp.rank());
            for (size_t j = 0; j < b.size(); ++j) {
                const WorldFile& f = files[images[b[j]]];
                pixels.push_back(use_of(f, global_step, static_cast<int64_t>(j) >= mine_first && static_cast<int64_t>(j) < mine_end));
                // A caption of the image's class: one of the templates, in English or (a third) Chinese.
                ids.push_back(caption_tensor(f.cls(), rng() % 3 == 0, static_cast<int>(rng() % kCaptionVariants)));
            }
            *items = mine_end - mine_first;
            const int64_t iteration = global_step;
            const at::Tensor image_rows = encode_global(enc, Modality::Image, pixels, iteration);
            return symmetric_info_nce(image_rows, encode_global(enc, Modality::Text, ids, iteration));
        });
        if (!done) return summary;
        if (writer) {
            const Encoders enc(store, config);
            const at::Tensor captions = caption_embeddings(enc);
            accuracy["image"] = zero_shot(enc, Modality::Image, captions);
            note("Stage text: zero-shot accuracy of the training images against the 36 captions " +
                 std::to_string(static_cast<int>(std::round(100 * accuracy["image"].get<double>()))) + "%.");
        }
    }

    // ---- stage modalities: each against the frozen image encoder ----
    if (stage_modalities && !others.empty()) {
        at::Tensor image_embeddings;
        {
            at::NoGradGuard no_grad;
            const Encoders enc(store, config);
            std::vector<at::Tensor> rows;
            for (size_t start = 0; start < images.size(); start += 36) {
                std::vector<at::Tensor> in;
                for (size_t i = start; i < std::min(images.size(), start + 36); ++i) in.push_back(files[images[i]].input);
                rows.push_back(enc.forward(Modality::Image, in));
            }
            image_embeddings = l2_normalised(at::cat(rows));
        }
        std::map<int, std::vector<int64_t>> images_of_class;
        for (size_t i = 0; i < images.size(); ++i) images_of_class[image_class[i]].push_back(static_cast<int64_t>(i));
        std::vector<std::string> trained;
        std::map<Modality, std::vector<int>> classes;
        int64_t steps = 1;
        for (Modality m : others) {
            trained.push_back(m == Modality::Image ? "vision" : modality_word(m));
            for (int64_t i : of[m]) {
                if (!images_of_class.count(files[i].cls()))
                    throw Error(files[i].where + ": no training image shows a " + world_colour_name(files[i].colour) + " " +
                                world_shape_name(files[i].shape) + " to pair it with; add images of every class.");
                classes[m].push_back(files[i].cls());
            }
            steps = std::max(steps, static_cast<int64_t>(class_distinct_batches(classes[m], global_batch, o.seed).size()));
        }
        std::map<std::pair<int, Modality>, std::vector<std::vector<int64_t>>> epoch_batches;
        // One step: a batch of every modality, the loss their sum (so that every encoder gets
        // its gradient in every step, on every rank alike).
        const bool done = run_stage("modalities", trained, steps, [&](const Encoders& enc, int epoch, int64_t s, int64_t* items) {
            at::Tensor total;
            *items = 0;
            for (Modality m : others) {
                const auto key = std::make_pair(epoch, m);
                auto it = epoch_batches.find(key);
                if (it == epoch_batches.end())
                    it = epoch_batches.emplace(key, class_distinct_batches(classes[m], global_batch, o.seed + 101 * epoch + static_cast<int>(m))).first;
                // A modality with fewer batches than the longest starts its list again.
                const std::vector<int64_t>& b = it->second[s % static_cast<int64_t>(it->second.size())];
                std::vector<at::Tensor> in, rows;
                // Depth maps and point clouds carry no colour: their positive is any image of the
                // same shape, so items of one shape are not each other's negatives.
                std::vector<int64_t> shapes;
                std::mt19937_64 rng(o.seed * 1000003 + static_cast<uint64_t>(epoch) * 7919 + static_cast<uint64_t>(s) * 104729 +
                                    static_cast<uint64_t>(m) * 31);
                const auto [mine_first, mine_end] = slice_of(static_cast<int64_t>(b.size()), dp.rank());
                for (size_t j = 0; j < b.size(); ++j) {
                    const WorldFile& f = files[of[m][b[j]]];
                    in.push_back(use_of(f, global_step, static_cast<int64_t>(j) >= mine_first && static_cast<int64_t>(j) < mine_end));
                    if (m == Modality::Depth || m == Modality::Point) shapes.push_back(f.shape);
                    const std::vector<int64_t>& pool = images_of_class[f.cls()];
                    rows.push_back(image_embeddings[pool[rng() % pool.size()]]);
                }
                *items += mine_end - mine_first;
                const at::Tensor loss = symmetric_info_nce(encode_global(enc, m, in, global_step), at::stack(rows), shapes);
                total = total.defined() ? total + loss : loss;
            }
            return total;
        });
        if (!done) return summary;
        if (writer) {
            const Encoders enc(store, config);
            const at::Tensor captions = caption_embeddings(enc);
            std::string line = "Stage modalities: zero-shot accuracy against the 36 captions (never trained together):";
            for (Modality m : others) {
                accuracy[modality_word(m)] = zero_shot(enc, m, captions);
                line += std::string(" ") + modality_word(m) + " " +
                        std::to_string(static_cast<int>(std::round(100 * accuracy[modality_word(m)].get<double>()))) + "%";
            }
            note(line + ".");
        }
    }

    // ---- the result: imagebind.pth in the release's key names, and its config ----
    summary.steps = global_step;
    summary.adapter = out_path("imagebind.pth");
    if (writer) {
        Value dict = Value::make_dict(true);
        for (const std::string& name : store.names()) {
            at::Tensor t = store.get(name).detach();
            // The mask stays float32: -inf is exact either way, but the loaders expect it float.
            if (o.save_dtype == "bf16" && t.dim() >= 2 && name.find(".mask") == std::string::npos) t = t.to(at::kBFloat16);
            dict.set(name, Value::from_tensor(t.contiguous()));
        }
        write_pth(summary.adapter, dict);
        const std::string config_out = out_path("imagebind_config.json");
        const bool same = fs::exists(config_out, ec) && fs::equivalent(o.imagebind_config, config_out, ec);
        ec.clear();
        if (!same) fs::copy_file(o.imagebind_config, config_out, fs::copy_options::overwrite_existing, ec);
        if (ec) throw Error("Could not write " + config_out + ": " + ec.message() + "; check that the folder is writable.");
        append_line(log_path, {{"zero_shot_accuracy", accuracy}});
    }
    return summary;
}

}  // namespace ibllm
