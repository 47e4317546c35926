#include "engine/train/lr_schedule.h"

#include <cmath>

namespace ibllm {

double LrSchedule::at(double epoch) const {
    if (epoch < warmup_epochs) return lr * epoch / warmup_epochs;
    // With warmup_epochs == epochs there is no cosine part left (the reference would divide
    // by zero); the rate stays at its peak.
    if (epochs <= warmup_epochs) return lr;
    return min_lr + (lr - min_lr) * 0.5 * (1.0 + std::cos(M_PI * (epoch - warmup_epochs) / (epochs - warmup_epochs)));
}

}  // namespace ibllm
