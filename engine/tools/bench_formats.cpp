#include "engine/tools/bench_formats.h"

namespace ibllm::bench {

std::vector<std::string> all_format_names() { return {"bf16", "int8", "q4"}; }

bool select_format(LoadOptions& options, const std::string& name) {
    for (const std::string& known : all_format_names())
        if (name == known) {
            options.weight_format = parse_weight_format(name);
            return true;
        }
    return false;
}

bool format_available(const std::string& name) {
    LoadOptions probe;
    return select_format(probe, name);
}

double bytes_per_weight(const std::string& format, int64_t in_features) {
    if (format == "bf16") return 2.0;
    if (format == "int8") return 1.0 + 4.0 / static_cast<double>(in_features);
    if (format == "q4") return 0.5 + 2.0 / 32.0;
    return 0.0;
}

double decode_weight_bytes(const BenchScale& scale, const std::string& format) {
    const int64_t D = scale.dim, F = scale.ffn_hidden();
    return static_cast<double>(scale.layers) * (4.0 * D * D * bytes_per_weight(format, D) + 2.0 * F * D * bytes_per_weight(format, D) +
                                                 1.0 * D * F * bytes_per_weight(format, F)) +
           static_cast<double>(scale.vocab) * D * bytes_per_weight(format, D);
}

}  // namespace ibllm::bench
