#pragma once
// The reference's learning-rate schedule (util/lr_sched.py), set at every iteration: linear
// warmup from 0 over `warmup_epochs`, then a half cosine from `lr` down to `min_lr` at
// `epochs`. `epoch` is fractional: epoch index + iteration / iterations per epoch.
namespace ibllm {

struct LrSchedule {
    double lr = 0;  // blr * batch_size * accum_iter / 256 (times the number of processes)
    double min_lr = 0;
    double warmup_epochs = 0;
    double epochs = 1;
    double at(double epoch) const;
};

}  // namespace ibllm
