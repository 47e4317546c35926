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

std::string to_string(WeightFormat f) {
    switch (f) {
        case WeightFormat::Bf16: return "bf16";
        case WeightFormat::Int8: return "int8";
        case WeightFormat::Q4: return "q4";
    }
    return "bf16";
}

WeightFormat parse_weight_format(const std::string& s) {
    if (s == "bf16" || s == "exact") return WeightFormat::Bf16;
    if (s == "int8" || s == "q8") return WeightFormat::Int8;
    if (s == "q4" || s == "int4") return WeightFormat::Q4;
    throw Error("Unknown weight format '" + s + "'; use bf16, int8 or q4.");
}

}  // namespace ibllm
