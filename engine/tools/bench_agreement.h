#pragma once
// How closely a weight format follows the exact bf16 path, teacher-forced: the same token
// sequence (a prompt plus bf16's own greedy answer) and the same visual input go through
// the model once, and at every position the format's most likely next token is compared
// with bf16's. The bf16 pass leaves its logits in the run folder for the others.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/engine.h"

namespace ibllm::bench {

struct TeacherSequence {
    std::vector<int> ids;             // prompt (BOS first) + bf16's greedy answer
    std::vector<float> visual_query;  // the bind network's output for the image, [dim]
};

void save_teacher(const std::string& run_dir, const TeacherSequence& teacher);
// False when the run folder has no teacher from a bf16 pass of this run.
bool load_teacher(const std::string& run_dir, TeacherSequence& teacher);
// Forgets the previous run's bf16 results, so that a stale teacher is never compared with.
void clear_run_dir(const std::string& run_dir);

// Loads the model in `options`' weight format (a second load: the engine does not expose
// its model) and scores the teacher sequence. The bf16 pass (`is_reference`) saves its
// logits; the others compare with them. Returns {top1_agreement_vs_bf16, kl_vs_bf16_mean,
// kl_vs_bf16_p99 (KL(bf16 || format) of the next-token distributions in nats, over the
// positions), max_abs_logit_error_vs_bf16, bf16_logit_std, agreement_positions}.
nlohmann::json teacher_forced_agreement(const ModelPaths& paths, const LoadOptions& options, const TeacherSequence& teacher,
                                        const std::string& run_dir, bool is_reference);

}  // namespace ibllm::bench
