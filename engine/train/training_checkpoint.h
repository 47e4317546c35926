#pragma once
// A resumable training checkpoint: the adapter as adapter.pth holds it ('model', 'config',
// so a checkpoint also loads as an adapter), plus AdamW's moments and step count per
// trainable tensor, the position in the run, the random generator's state and the settings
// that must not change on resume. Written atomically (a temporary file renamed over the
// name), so an interrupted save never replaces a good checkpoint with a broken one.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/checkpoint/pickle_value.h"

namespace torch::optim {
class AdamW;
}

namespace ibllm {

class TrainingModel;

struct AdamMoments {
    int64_t step = 0;
    at::Tensor exp_avg, exp_avg_sq;
};

struct TrainingPosition {
    int64_t step = 0;       // optimizer steps done
    int64_t iteration = 0;  // micro-batches done, over all epochs
    int64_t epoch = 0;      // the epoch the next micro-batch belongs to
};

struct TrainingCheckpoint {
    TrainingPosition position;
    std::map<std::string, AdamMoments> moments;  // by parameter name
    std::map<std::string, at::Tensor> model;     // every saved adapter tensor, by name
    std::string settings;                        // JSON of the settings a resume must share
    at::Tensor rng_state;                        // the default CPU generator's state
};

void write_training_checkpoint(const std::string& path, const TrainingModel& model, const Value& config,
                               const std::map<std::string, AdamMoments>& moments, const TrainingPosition& position,
                               const std::string& settings);

// The same file around any model dict: `root` holds what the checkpoint loads as ('model' and
// the like), and the optimizer, position, generator and settings are added to it.
void write_training_checkpoint(const std::string& path, Value root, const std::map<std::string, AdamMoments>& moments,
                               const TrainingPosition& position, const std::string& settings);

// Throws ibllm::Error naming the file when it is not a training checkpoint of this program.
TrainingCheckpoint read_training_checkpoint(const std::string& path);

// AdamW's moments of the parameters `params` (named `names`, in the same order), as a checkpoint
// stores them, and back into a new optimizer on resume (parameters without a stored state
// start fresh).
std::map<std::string, AdamMoments> adam_moments(const torch::optim::AdamW& optimizer, const std::vector<std::string>& names,
                                                const std::vector<at::Tensor>& params);
void restore_adam_moments(torch::optim::AdamW& optimizer, const std::vector<std::string>& names,
                          const std::vector<at::Tensor>& params, const std::map<std::string, AdamMoments>& moments);

// The default CPU generator as the checkpoint left it (unchanged when it stored none).
void restore_generator(const TrainingCheckpoint& checkpoint);

// log.jsonl on a fresh start (keep_steps 0): emptied; on resume: the lines of steps up to
// keep_steps (a line cut short by a crash is dropped).
void prepare_training_log(const std::string& path, int64_t keep_steps);

}  // namespace ibllm
