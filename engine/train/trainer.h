#pragma once
// The training loop behind train_adapter() (engine.h), with a window onto each optimizer
// step for the parity tests: the gradients right before the update, the parameters right
// after it.
#include <cstdint>
#include <functional>

#include "engine/engine.h"

namespace ibllm {

class TrainingModel;

struct TrainingObserver {
    // `step` counts from 0. The trainable tensors hold this step's gradients in .grad().
    std::function<void(int64_t step, const TrainingModel& model)> before_update;
    // The trainable tensors hold their values after this step's update.
    std::function<void(int64_t step, const TrainingModel& model)> after_update;
};

TrainSummary run_training(const TrainOptions& options, const TrainHooks& hooks, const TrainingObserver* observer);

}  // namespace ibllm
