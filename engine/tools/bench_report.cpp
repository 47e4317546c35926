#include "engine/tools/bench_report.h"

#include <cstdio>

#include "engine/llama/kernels/compute_paths.h"
#include "engine/tools/bench_inputs.h"

namespace ibllm::bench {

namespace {

const std::vector<std::string>& required_keys() {
    static const std::vector<std::string> keys = {
        "format", "bandwidth_gbs", "load_s", "prefill_tokens_per_s", "decode_tokens_per_s", "decode_bandwidth_fraction",
        "reference_decode_tokens_per_s", "encode_s", "first_token_s", "peak_rss_gib", "top1_agreement_vs_bf16",
        "weight_bytes_per_token", "decode_bound_tokens_per_s", "decode_vs_reference", "max_abs_logit_error_vs_bf16"};
    return keys;
}

const nlohmann::json* at_path(const nlohmann::json& j, const std::string& key, const std::string& sub) {
    if (!j.contains(key) || j[key].is_null()) return nullptr;
    if (sub.empty()) return &j[key];
    if (!j[key].is_object() || !j[key].contains(sub) || j[key][sub].is_null()) return nullptr;
    return &j[key][sub];
}

std::string cell(const nlohmann::json& j, const std::string& key, const std::string& sub, const char* fmt) {
    if (!j.value("available", true)) return "n/a";
    if (j.contains("error")) return "failed";
    const nlohmann::json* v = at_path(j, key, sub);
    if (!v || !v->is_number()) return "-";
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, v->get<double>());
    return buf;
}

void row(const std::string& label, const std::vector<nlohmann::json>& results, const std::string& key, const std::string& sub,
         const char* fmt) {
    std::printf("%-36s", label.c_str());
    for (const nlohmann::json& r : results) std::printf(" %12s", cell(r, key, sub, fmt).c_str());
    std::printf("\n");
}

const nlohmann::json* result_for(const std::vector<nlohmann::json>& results, const std::string& format) {
    for (const nlohmann::json& r : results)
        if (r.value("format", "") == format && r.value("available", true) && !r.contains("error")) return &r;
    return nullptr;
}

double number(const nlohmann::json* r, const std::string& key, const std::string& sub = "") {
    const nlohmann::json* v = r ? at_path(*r, key, sub) : nullptr;
    return v && v->is_number() ? v->get<double>() : -1.0;
}

void target(const char* text, int state) {
    std::printf("  %-68s %s\n", text, state < 0 ? "not measured" : state ? "met" : "NOT met");
}

}  // namespace

void complete_result(nlohmann::json& r) {
    for (const std::string& k : required_keys())
        if (!r.contains(k)) r[k] = nullptr;
}

void print_json(const std::vector<nlohmann::json>& results) {
    nlohmann::json array = nlohmann::json::array();
    for (const nlohmann::json& r : results) array.push_back(r);
    std::printf("%s\n", array.dump(2).c_str());
}

void print_table(const RunInfo& run, const std::vector<nlohmann::json>& results) {
    const BenchScale& s = run.scale;
    std::printf("\nImageBind-LLM benchmark: %s shape (dim %lld, %lld layers, %lld heads, ffn %lld), random weights\n",
                s.name.c_str(), (long long)s.dim, (long long)s.layers, (long long)s.heads, (long long)s.ffn_hidden());
    std::printf("machine: %s, %d threads, %.1f GiB memory\n", run.cpu.c_str(), run.threads, run.memory_gib);
    std::printf("%s", quant::describe_compute_paths(true).c_str());
    std::printf("memory bandwidth: %.1f GB/s streaming read (the decode bound; %.1f before the formats, %.1f after), "
                "%.1f GB/s memcpy\n\n",
                run.bandwidth_gbs, run.bandwidth_first_gbs, run.bandwidth_last_gbs, run.copy_gbs);
    std::printf("%-36s", "weight format");
    for (const nlohmann::json& r : results) std::printf(" %12s", r.value("format", "?").c_str());
    std::printf("\n");
    row("load, launch to ready (s)", results, "load_s", "", "%.1f");
    row("prefill, 64-token prompt (tok/s)", results, "prefill_tokens_per_s", "64", "%.1f");
    row("prefill, 256-token prompt (tok/s)", results, "prefill_tokens_per_s", "256", "%.1f");
    row("decode (tok/s)", results, "decode_tokens_per_s", "", "%.2f");
    row("  bandwidth bound (tok/s)", results, "decode_bound_tokens_per_s", "", "%.2f");
    row("  fraction of the bound", results, "decode_bandwidth_fraction", "", "%.2f");
    row("  bandwidth around the decode (GB/s)", results, "decode_adjacent_bandwidth_gbs", "", "%.1f");
    row("  fraction of that bandwidth", results, "decode_adjacent_bandwidth_fraction", "", "%.2f");
    row("  reference loop, bf16 (tok/s)", results, "reference_decode_tokens_per_s", "", "%.2f");
    row("  ours / reference", results, "decode_vs_reference", "", "%.2fx");
    for (const std::string& m : encode_modalities()) row("encode " + encode_label(m) + " (s)", results, "encode_s", m, "%.2f");
    for (const std::string& m : encode_modalities())
        row("  first call after load: " + m + " (s)", results, "encode_first_call_s", m, "%.2f");
    row("first token, image + question (s)", results, "first_token_s", "", "%.2f");
    row("peak RSS (GiB)", results, "peak_rss_gib", "", "%.2f");
    row("top-1 agreement with bf16", results, "top1_agreement_vs_bf16", "", "%.3f");
    row("KL(bf16 || format), mean (nats)", results, "kl_vs_bf16_mean", "", "%.4f");
    row("KL(bf16 || format), 99th percentile", results, "kl_vs_bf16_p99", "", "%.4f");
    row("max |logit error| vs bf16", results, "max_abs_logit_error_vs_bf16", "", "%.3f");
    row("load average at the format's start", results, "load_average_1m", "", "%.2f");

    for (const nlohmann::json& r : results) {
        const std::string f = r.value("format", "?");
        if (!r.value("available", true)) std::printf("%s: not available (%s)\n", f.c_str(), r.value("note", "").c_str());
        if (r.contains("error")) std::printf("%s: failed: %s\n", f.c_str(), r["error"].get<std::string>().c_str());
        for (const char* k : {"decode_note", "prefill_note", "agreement_note", "encode_note"})
            if (r.contains(k)) std::printf("%s: %s\n", f.c_str(), r[k].get<std::string>().c_str());
    }
    std::printf("reference: %s\n", run.reference_message.c_str());
    if (const nlohmann::json* b = result_for(results, "bf16"); b && at_path(*b, "bf16_logit_std", ""))
        std::printf("(bf16 logits have std %.2f over the agreement positions)\n", number(b, "bf16_logit_std"));

    std::printf("\nTargets (prefill and decode speed, memory, load time):\n");
    int all80 = -1;
    for (const nlohmann::json& r : results) {
        const double f = number(&r, "decode_bandwidth_fraction");
        if (f < 0) continue;
        all80 = (all80 == -1 ? 1 : all80) && f >= 0.8;
    }
    target("decode at >= 80% of the bandwidth bound, every format", all80);
    const double ref = number(result_for(results, "bf16"), "reference_decode_tokens_per_s");
    const double bf16 = number(result_for(results, "bf16"), "decode_tokens_per_s");
    const double q4 = number(result_for(results, "q4"), "decode_tokens_per_s");
    target("bf16 decode >= 1.25x the reference", ref > 0 && bf16 > 0 ? bf16 >= 1.25 * ref : -1);
    target("q4 decode >= 3x the reference's bf16", ref > 0 && q4 > 0 ? q4 >= 3.0 * ref : -1);
    double image = -1;
    for (const nlohmann::json& r : results)
        if (number(&r, "encode_s", "image") > 0) image = number(&r, "encode_s", "image");
    target("ImageBind-huge image encode <= 1 s", image > 0 ? image <= 1.0 : -1);
    const double rss = s.name == "7b" && run.imagebind ? number(result_for(results, "int8"), "peak_rss_gib") : -1;
    target("7B int8 + ImageBind-huge peak RSS <= 14 GiB", rss > 0 ? rss <= 14.0 : -1);
    std::printf("\nWall-clock figures on a shared machine are noisy; compare ratios taken in one run. With other busy\n"
                "processes (load average near the core count) multi-threaded figures drop by large factors.\n");
}

}  // namespace ibllm::bench
