#include "engine/llama/kv_cache.h"

#include <ATen/ATen.h>

namespace ibllm {

KvCache::KvCache(int64_t n_layers, int64_t n_heads, int64_t head_dim, int64_t capacity, at::ScalarType dtype)
    : capacity_(capacity) {
    // Uninitialised on purpose: a large allocation is an anonymous mapping whose pages only
    // become resident when written, so the cache costs memory for the positions in use, not
    // for the whole context (2 GiB at 7B's 2048 positions in float32). Only positions already
    // written are ever read (append returns views of [0, start + n)).
    layers_.reserve(n_layers);
    for (int64_t i = 0; i < n_layers; ++i)
        layers_.push_back({at::empty({n_heads, capacity, head_dim}, at::dtype(dtype)),
                           at::empty({n_heads, capacity, head_dim}, at::dtype(dtype))});
}

void KvCache::append(int64_t layer, int64_t start, const at::Tensor& k, const at::Tensor& v, at::Tensor& keys,
                     at::Tensor& values) {
    Layer& l = layers_.at(layer);
    const int64_t n = k.size(0);
    TORCH_CHECK(start >= 0 && start + n <= capacity_, "KV cache overflow");
    l.k.narrow(1, start, n).copy_(k.transpose(0, 1));
    l.v.narrow(1, start, n).copy_(v.transpose(0, 1));
    keys = l.k.narrow(1, 0, start + n);
    values = l.v.narrow(1, 0, start + n);
}

}  // namespace ibllm
