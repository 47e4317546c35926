#pragma once
// NumPy's .npy format (one array): for embeddings, test inputs and tools that exchange arrays
// with Python. Little-endian only, which is what NumPy writes on every common machine.
#include <ATen/core/Tensor.h>

#include <string>

namespace ibllm {

// Returns an owned (writable) tensor in the stored dtype: '<f4', '<f8', '<f2', '<i8', '<i4',
// '<i2', '|i1', '|u1', '|b1'; Fortran-ordered arrays come back in C order. Throws ibllm::Error
// naming the file when it is not .npy, is truncated, or holds another dtype.
at::Tensor read_npy(const std::string& path);

// Writes a C-ordered version-1.0 file (float32 as '<f4', and so on for the dtypes above),
// to path + ".tmp" then renamed.
void write_npy(const std::string& path, const at::Tensor& tensor);

}  // namespace ibllm
