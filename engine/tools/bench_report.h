#pragma once
// The benchmark's output: a table for people, or with --json one JSON array holding an
// object per weight format.
//
// Keys of each object (null where not measured):
//   format, available            "bf16" / "int8" / "q4"; false when this build lacks it
//   bandwidth_gbs                memory bandwidth of a streaming read (1 GiB, all threads),
//                                the better of a measurement before and one after the
//                                formats: what a decoded token's weight reads run against;
//                                copy_gbs is a large memcpy's, for reference
//   load_s                       launch of the format's process to a ready engine
//   prefill_tokens_per_s         {"64": t/s, "256": t/s}: prompts of exactly that many tokens
//   decode_tokens_per_s          greedy decoding after the 64-token prompt, image attached
//   weight_bytes_per_token       bytes of the projections one token reads in this format
//   decode_bound_tokens_per_s    bandwidth_gbs / weight_bytes_per_token
//   decode_bandwidth_fraction    decode_tokens_per_s / decode_bound_tokens_per_s (the bound
//                                from the run's best bandwidth: the conservative figure, and
//                                the one the 80% target is checked on)
//   decode_adjacent_bandwidth_gbs  the better of two bandwidth measurements right before and
//                                after the format's decode (_before_after_gbs: both);
//                                decode_adjacent_bandwidth_fraction: decode against it
//   reference_decode_tokens_per_s  the reference-style loop (bf16, same shape); null if skipped
//   decode_vs_reference          decode_tokens_per_s / reference_decode_tokens_per_s
//   encode_s                     {"image", "audio", "video", "point", "text", "imu"}: seconds,
//                                best of the repeats once every encoder has run;
//                                encode_first_call_s: the first call of each after the load
//   first_token_s                image encode + question prefill + first token
//                                (first_token_parts_s: {"encode", "ask"})
//   peak_rss_gib                 the format's process's peak resident set (VmHWM)
//   top1_agreement_vs_bf16       teacher-forced top-1 agreement with bf16 over a prompt plus
//                                bf16's greedy answer; max_abs_logit_error_vs_bf16 with it
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/tools/bench_scale.h"

namespace ibllm::bench {

struct RunInfo {
    BenchScale scale;
    std::string cpu;
    int threads = 0;
    double memory_gib = 0;
    double bandwidth_gbs = 0;  // streaming read: the decode bound (the better of two measurements)
    double bandwidth_first_gbs = 0, bandwidth_last_gbs = 0;  // before and after the formats
    double copy_gbs = 0;       // memcpy, bytes copied per second
    std::string reference_message;
    bool imagebind = true;
};

// Adds every key listed above that `result` lacks, as null.
void complete_result(nlohmann::json& result);

void print_table(const RunInfo& run, const std::vector<nlohmann::json>& results);
void print_json(const std::vector<nlohmann::json>& results);

}  // namespace ibllm::bench
