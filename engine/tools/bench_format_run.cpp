#include "engine/tools/bench_format_run.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>

#include "engine/engine.h"
#include "engine/tools/bench_agreement.h"
#include "engine/tools/bench_formats.h"
#include "engine/tools/bench_inputs.h"
#include "engine/tools/bench_system.h"

namespace ibllm::bench {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void note(const std::string& format, const std::string& what) {
    std::fprintf(stderr, "[%s] %s\n", format.c_str(), what.c_str());
}

AskRequest greedy_request(const std::string& instruction, const std::vector<float>& image_embedding, int max_tokens) {
    AskRequest r;
    r.prompt = instruction;
    if (!image_embedding.empty()) {
        Attachment a;
        a.modality = Modality::Image;
        a.path = "random image";
        a.embedding = image_embedding;
        r.attachments.push_back(a);
    }
    r.cache.enabled = false;  // the benchmark has no knn.index
    r.sampling.temperature = 0.0;
    r.sampling.max_tokens = max_tokens;
    return r;
}

// A unit vector standing in for an image embedding when the encoders are not loaded.
std::vector<float> random_embedding(int64_t dim) {
    std::vector<float> v(dim);
    uint64_t x = 88172645463325252ull;
    double norm = 0;
    for (float& f : v) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        f = static_cast<float>((x % 2000) / 1000.0 - 1.0);
        norm += double(f) * f;
    }
    for (float& f : v) f = static_cast<float>(f / std::sqrt(norm));
    return v;
}

}  // namespace

nlohmann::json run_format(const FormatRunSettings& s) {
    const std::string& fmt = s.format;
    nlohmann::json out = {{"format", fmt}, {"available", true}, {"load_average_1m", load_average_1m()}};

    LoadOptions options;
    options.threads = s.threads;
    options.context = s.context;
    if (!select_format(options, fmt)) throw Error("This build cannot load the weight format " + fmt + ".");
    ModelPaths paths;
    paths.llama_dir = s.files.llama_dir;
    paths.tokenizer = s.files.tokenizer;
    paths.adapter = s.files.adapter;
    paths.imagebind = s.files.imagebind;

    // ---- load: from the parent's launch of this process to a ready engine -------------
    std::vector<float> image_embedding;
    TeacherSequence teacher;
    {
        Engine engine;
        const auto t_load = std::chrono::steady_clock::now();
        engine.load(paths, options, [&](const std::string& stage, double) {
            if (stage.rfind("Preparing layer", 0) != 0) note(fmt, stage);  // one line per layer is too many
        });
        out["load_call_s"] = seconds_since(t_load);
        out["load_s"] = seconds_since_ns(s.launched_ns);
        out["threads"] = at::get_num_threads();
        note(fmt, "ready after " + std::to_string(out["load_s"].get<double>()) + " s");

        // A short question first, so that one-time set-up (thread pools, kernel selection)
        // is not charged to the first figure.
        engine.ask(greedy_request("Hello.", {}, 2), nullptr);

        const int repeats = std::max(1, s.repeats);
        const bool have_encoders = engine.has_imagebind();
        uint64_t seed = 1;

        // ---- encoders ---------------------------------------------------------------
        // Two passes over the modalities. The first call of each after the load is timed on
        // its own ("first"): it pays for one-time set-up, and until glibc's malloc has raised
        // its mmap threshold (it does so as large blocks are freed, the 15-clip video doing
        // most) every large activation is a fresh mapping whose pages fault in. The second
        // pass, best of the repeats, is what a running app sees from then on.
        if (s.encoders && have_encoders) {
            nlohmann::json first = nlohmann::json::object(), warm = nlohmann::json::object();
            for (const std::string& m : encode_modalities()) {
                const EncoderInput in = synthetic_input(m, seed++);
                const auto t = std::chrono::steady_clock::now();
                engine.embed(in);
                first[m] = seconds_since(t);
            }
            for (const std::string& m : encode_modalities()) {
                double best = 1e30;
                for (int r = 0; r < repeats; ++r) {
                    const EncoderInput in = synthetic_input(m, seed++);
                    const auto t = std::chrono::steady_clock::now();
                    engine.embed(in);
                    best = std::min(best, seconds_since(t));
                }
                warm[m] = best;
                note(fmt, "encode " + encode_label(m) + ": " + std::to_string(best) + " s (first call after the load: " +
                              std::to_string(first[m].get<double>()) + " s)");
            }
            out["encode_s"] = warm;
            out["encode_first_call_s"] = first;
        }

        // ---- time to first token for "image + question" -----------------------------
        const std::string question = "What is in this picture? Describe it in one sentence.";
        if (have_encoders) {
            double best = 1e30;
            for (int r = 0; r < repeats; ++r) {
                engine.reset_conversation();
                const EncoderInput image = synthetic_input("image", seed++);  // a new image: nothing cached
                const auto t = std::chrono::steady_clock::now();
                const std::vector<float> e = engine.embed(image);
                const double encoded = seconds_since(t);
                engine.ask(greedy_request(question, e, 1), nullptr);
                const double total = seconds_since(t);
                if (total < best) {
                    best = total;
                    out["first_token_parts_s"] = {{"encode", encoded}, {"ask", total - encoded}};
                }
                image_embedding = e;
            }
            out["first_token_s"] = best;
            note(fmt, "first token (image + question): " + std::to_string(best) + " s");
        } else {
            out["first_token_s"] = nullptr;
            image_embedding = random_embedding(engine.info().visual_dim);
        }

        // ---- prefill ----------------------------------------------------------------
        nlohmann::json prefill = nlohmann::json::object();
        std::string prompt64;
        for (int n : {64, 256}) {
            const std::string instruction = instruction_with_prompt_tokens(paths.tokenizer, n);
            if (n == 64) prompt64 = instruction;
            double best_ms = 1e30;
            int tokens = 0;
            for (int r = 0; r < repeats; ++r) {
                engine.reset_conversation();  // no reuse of the previous prompt's keys and values
                const AskStats st = engine.ask(greedy_request(instruction, image_embedding, 1), nullptr);
                best_ms = std::min(best_ms, st.prefill_ms);
                tokens = st.prompt_tokens;
            }
            prefill[std::to_string(n)] = tokens * 1000.0 / best_ms;
            if (tokens != n) out["prefill_note"] = "prompt had " + std::to_string(tokens) + " tokens instead of " + std::to_string(n);
            note(fmt, "prefill " + std::to_string(tokens) + " tokens: " + std::to_string(tokens * 1000.0 / best_ms) + " tokens/s");
        }
        out["prefill_tokens_per_s"] = prefill;

        // ---- decode -----------------------------------------------------------------
        // The memory bandwidth right before and after the decode, next to the figure it
        // bounds: on a shared host it moves by 2x within one run (docs/performance.md).
        // Its 1 GiB of buffers must not count as the model's peak memory: the peak is read
        // before each measurement and reset after it.
        const int bw_threads = at::get_num_threads();
        const double peak_before_decode = peak_rss_gib();
        const Bandwidth bw_before = measure_bandwidth(bw_threads, size_t(512) << 20, 3);
        const bool peak_reset = reset_peak_rss();
        double best_tps = 0;
        std::vector<int> answer;
        for (int r = 0; r < repeats; ++r) {
            engine.reset_conversation();
            const AskStats st = engine.ask(greedy_request(prompt64, image_embedding, s.decode_tokens), nullptr);
            // n tokens take n - 1 forward passes: the first comes from the prefill's logits.
            const double tps = st.generated_tokens > 1 ? (st.generated_tokens - 1) * 1000.0 / st.decode_ms : 0.0;
            if (tps > best_tps) best_tps = tps;
            answer = st.ids;
            out["decode_tokens"] = st.generated_tokens;
            if (st.stopped_on_eos) out["decode_note"] = "stopped at EOS after " + std::to_string(st.generated_tokens) + " tokens";
        }
        out["decode_tokens_per_s"] = best_tps;
        const double peak_of_decode = peak_rss_gib();
        const Bandwidth bw_after = measure_bandwidth(bw_threads, size_t(512) << 20, 3);
        if (!reset_peak_rss() || !peak_reset) out["peak_rss_note"] = "includes the 1 GiB of the bandwidth measurement (the peak could not be reset)";
        out["decode_adjacent_bandwidth_gbs"] = std::max(bw_before.read_gbs, bw_after.read_gbs);
        out["decode_adjacent_bandwidth_before_after_gbs"] = {bw_before.read_gbs, bw_after.read_gbs};
        note(fmt, "decode: " + std::to_string(best_tps) + " tokens/s over " + std::to_string(answer.size()) + " tokens");

        out["peak_rss_gib"] = std::max({peak_before_decode, peak_of_decode, peak_rss_gib()});
        note(fmt, "peak RSS " + std::to_string(out["peak_rss_gib"].get<double>()) + " GiB");

        teacher.ids = prompt_ids(paths.tokenizer, prompt64);
        teacher.ids.insert(teacher.ids.end(), answer.begin(), answer.end());
        teacher.visual_query = engine.visual_query(greedy_request(prompt64, image_embedding, 1).attachments, CacheSettings{false});
    }  // the engine is gone: its memory is free for the agreement pass

    // ---- top-1 agreement with bf16 (teacher-forced) ------------------------------------
    out["top1_agreement_vs_bf16"] = nullptr;
    out["max_abs_logit_error_vs_bf16"] = nullptr;
    out["kl_vs_bf16_mean"] = nullptr;
    out["kl_vs_bf16_p99"] = nullptr;
    if (s.agreement) {
        const bool reference = fmt == "bf16";
        TeacherSequence t = teacher;
        if (reference) save_teacher(s.files.run_dir, teacher);
        if (reference || load_teacher(s.files.run_dir, t)) {
            note(fmt, "loading the model again for the teacher-forced comparison with bf16 over " + std::to_string(t.ids.size()) +
                          " positions");
            out.update(teacher_forced_agreement(paths, options, t, s.files.run_dir, reference));
        } else {
            out["agreement_note"] = "no bf16 pass in this run to compare with";
        }
    }
    return out;
}

}  // namespace ibllm::bench
