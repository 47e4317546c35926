#include "engine/precision.h"

#include "engine/error.h"

namespace ibllm {

std::string to_string(Precision p) {
    switch (p) {
        case Precision::Auto: return "auto";
        case Precision::Fp32: return "fp32";
        case Precision::Bf16: return "bf16";
    }
    return "auto";
}

Precision parse_precision(const std::string& s) {
    if (s == "auto") return Precision::Auto;
    if (s == "fp32" || s == "float32") return Precision::Fp32;
    if (s == "bf16" || s == "bfloat16") return Precision::Bf16;
    throw Error("Unknown precision '" + s + "'; use fp32 or bf16.");
}

}  // namespace ibllm
