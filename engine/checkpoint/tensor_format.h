#pragma once
// How tensors' shapes and dtypes are written in messages and listings.
#include <c10/core/ScalarType.h>
#include <c10/util/ArrayRef.h>

#include <cstdint>
#include <string>

namespace ibllm {

// "[4096, 4096]"; a scalar is "[]".
std::string shape_string(c10::IntArrayRef shape);

// The name Python's torch uses without the "torch." prefix: "float16", "bfloat16", "int64".
std::string dtype_name(c10::ScalarType type);

}  // namespace ibllm
