#include "engine/train/training_checkpoint.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/optim/adamw.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/checkpoint/pth_reader.h"
#include "engine/checkpoint/pth_writer.h"
#include "engine/error.h"
#include "engine/train/training_model.h"

namespace ibllm {

void write_training_checkpoint(const std::string& path, const TrainingModel& model, const Value& config,
                               const std::map<std::string, AdamMoments>& moments, const TrainingPosition& position,
                               const std::string& settings) {
    write_training_checkpoint(path, model.adapter_checkpoint(config), moments, position, settings);
}

void write_training_checkpoint(const std::string& path, Value root, const std::map<std::string, AdamMoments>& moments,
                               const TrainingPosition& position, const std::string& settings) {
    Value state = Value::make_dict();
    for (const auto& [name, m] : moments) {
        Value s = Value::make_dict();
        s.set("step", Value::integer(m.step));
        s.set("exp_avg", Value::from_tensor(m.exp_avg.contiguous()));
        s.set("exp_avg_sq", Value::from_tensor(m.exp_avg_sq.contiguous()));
        state.set(name, s);
    }
    Value optimizer = Value::make_dict();
    optimizer.set("state", state);
    root.set("optimizer", optimizer);
    root.set("step", Value::integer(position.step));
    root.set("iteration", Value::integer(position.iteration));
    root.set("epoch", Value::integer(position.epoch));
    root.set("rng_state", Value::from_tensor(at::detail::getDefaultCPUGenerator().get_state()));
    root.set("settings", Value::string(settings));
    write_pth(path, root);
}

TrainingCheckpoint read_training_checkpoint(const std::string& path) {
    PthFile file = read_pth(path);
    const Value& root = file.root;
    const Value* model = root.find("model");
    const Value* optimizer = root.find("optimizer");
    const Value* settings = root.find("settings");
    if (!model || !model->is_dict() || !optimizer || !settings || !root.find("step") || !root.find("iteration"))
        throw Error(path + " is not a training checkpoint (checkpoint-step<N>.pth or checkpoint-epoch<N>.pth of `ibllm-cli "
                    "train`); pass one of those to --resume.");
    TrainingCheckpoint c;
    c.position.step = root.find("step")->as_int();
    c.position.iteration = root.find("iteration")->as_int();
    if (const Value* epoch = root.find("epoch")) c.position.epoch = epoch->as_int();
    c.settings = settings->as_string();
    // Tensors of read_pth point into the file's mapping, which goes away with `file`.
    for (const auto& [k, v] : model->dict) c.model[k.as_string()] = v.as_tensor().clone();
    if (const Value* state = optimizer->find("state"); state && state->is_dict()) {
        for (const auto& [k, v] : state->dict) {
            AdamMoments m;
            const Value* step = v.find("step");
            const Value* avg = v.find("exp_avg");
            const Value* sq = v.find("exp_avg_sq");
            if (!step || !avg || !sq) throw Error(path + " has an incomplete optimizer state for " + k.as_string() + "; it is damaged.");
            m.step = step->as_int();
            m.exp_avg = avg->as_tensor().clone();
            m.exp_avg_sq = sq->as_tensor().clone();
            c.moments[k.as_string()] = std::move(m);
        }
    }
    if (const Value* rng = root.find("rng_state"); rng && rng->is_tensor()) c.rng_state = rng->as_tensor().clone();
    return c;
}

namespace {

// The optimizer keys its state by the parameter's TensorImpl.
std::string param_key(const at::Tensor& p) { return c10::guts::to_string(p.unsafeGetTensorImpl()); }

}  // namespace

std::map<std::string, AdamMoments> adam_moments(const torch::optim::AdamW& optimizer, const std::vector<std::string>& names,
                                                const std::vector<at::Tensor>& params) {
    std::map<std::string, AdamMoments> m;
    for (size_t i = 0; i < params.size(); ++i) {
        const auto it = optimizer.state().find(param_key(params[i]));
        if (it == optimizer.state().end()) continue;
        const auto& s = static_cast<const torch::optim::AdamWParamState&>(*it->second);
        m[names[i]] = AdamMoments{s.step(), s.exp_avg(), s.exp_avg_sq()};
    }
    return m;
}

void restore_adam_moments(torch::optim::AdamW& optimizer, const std::vector<std::string>& names,
                          const std::vector<at::Tensor>& params, const std::map<std::string, AdamMoments>& moments) {
    for (size_t i = 0; i < params.size(); ++i) {
        const auto it = moments.find(names[i]);
        if (it == moments.end()) continue;
        auto state = std::make_unique<torch::optim::AdamWParamState>();
        state->step(it->second.step);
        state->exp_avg(it->second.exp_avg.to(at::kFloat));
        state->exp_avg_sq(it->second.exp_avg_sq.to(at::kFloat));
        optimizer.state()[param_key(params[i])] = std::move(state);
    }
}

void restore_generator(const TrainingCheckpoint& checkpoint) {
    if (!checkpoint.rng_state.defined()) return;
    at::Generator gen = at::detail::getDefaultCPUGenerator();
    gen.set_state(checkpoint.rng_state);
}

void prepare_training_log(const std::string& path, int64_t keep_steps) {
    std::vector<std::string> kept;
    if (keep_steps > 0) {
        std::ifstream in(path);
        std::string line;
        while (std::getline(in, line)) {
            try {
                const nlohmann::json j = nlohmann::json::parse(line);
                if (j.value("step", int64_t{0}) <= keep_steps) kept.push_back(line + "\n");
            } catch (const nlohmann::json::exception&) {
                // a line cut short by a crash
            }
        }
    }
    std::ofstream out(path, std::ios::trunc);
    if (!out) throw Error("Could not write " + path + "; check that the folder is writable.");
    for (const std::string& l : kept) out << l;
}

}  // namespace ibllm
