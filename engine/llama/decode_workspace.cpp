#include "engine/llama/decode_workspace.h"

#include <ATen/ATen.h>

namespace ibllm {

namespace {

void ensure_size(at::Tensor& t, at::IntArrayRef shape) {
    if (!t.defined() || t.sizes() != shape) t = at::empty(shape, at::kFloat);
}

}  // namespace

void DecodeWorkspace::ensure(int64_t dim, int64_t hidden, int64_t vocab, int64_t n_heads, int64_t capacity) {
    for (at::Tensor* t : {&h, &xn, &q, &k, &v, &attn, &proj}) ensure_size(*t, {dim});
    ensure_size(gate, {hidden});
    ensure_size(up, {hidden});
    ensure_size(scores, {n_heads, capacity});
    ensure_size(logits, {vocab});
}

}  // namespace ibllm
