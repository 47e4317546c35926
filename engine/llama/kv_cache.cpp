#include "engine/llama/kv_cache.h"

#include <ATen/ATen.h>

#include <cstring>

namespace ibllm {

KvCache::KvCache(int64_t n_layers, int64_t n_heads, int64_t head_dim, int64_t capacity, at::ScalarType dtype)
    : capacity_(capacity), n_heads_(n_heads), head_dim_(head_dim) {
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

void KvCache::write(int64_t layer, int64_t pos, const float* k, const float* v) {
    Layer& l = layers_.at(layer);
    TORCH_CHECK(pos >= 0 && pos < capacity_, "KV cache overflow");
    float* kd = l.k.data_ptr<float>() + pos * head_dim_;
    float* vd = l.v.data_ptr<float>() + pos * head_dim_;
    for (int64_t h = 0; h < n_heads_; ++h) {
        std::memcpy(kd + h * head_stride(), k + h * head_dim_, head_dim_ * sizeof(float));
        std::memcpy(vd + h * head_stride(), v + h * head_dim_, head_dim_ * sizeof(float));
    }
}

const float* KvCache::keys(int64_t layer) const { return layers_.at(layer).k.data_ptr<float>(); }
const float* KvCache::values(int64_t layer) const { return layers_.at(layer).v.data_ptr<float>(); }
bool KvCache::is_float32() const { return !layers_.empty() && layers_[0].k.scalar_type() == at::kFloat; }

}  // namespace ibllm
