#include "engine/llama/kv_cache.h"

#include <ATen/ATen.h>

#include <cstring>
#include <type_traits>

#include "engine/llama/decode_ops.h"

namespace ibllm {

KvCache::KvCache(int64_t n_layers, int64_t n_heads, int64_t head_dim, int64_t capacity, at::ScalarType dtype)
    : capacity_(capacity), n_heads_(n_heads), head_dim_(head_dim) {
    TORCH_CHECK(dtype == at::kFloat || dtype == at::kBFloat16, "the KV cache holds float32 or bfloat16, not ", dtype);
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

void KvCache::write_head(int64_t layer, int64_t head, int64_t pos, const float* k, const float* v) {
    Layer& l = layers_.at(layer);
    TORCH_CHECK(pos >= 0 && pos < capacity_ && head >= 0 && head < n_heads_, "KV cache overflow");
    const int64_t at = head * head_stride() + pos * head_dim_;
    if (is_bf16()) {
        decode_ops::to_bf16(k, static_cast<uint16_t*>(l.k.data_ptr()) + at, head_dim_);
        decode_ops::to_bf16(v, static_cast<uint16_t*>(l.v.data_ptr()) + at, head_dim_);
    } else {
        std::memcpy(l.k.data_ptr<float>() + at, k, head_dim_ * sizeof(float));
        std::memcpy(l.v.data_ptr<float>() + at, v, head_dim_ * sizeof(float));
    }
}

bool KvCache::is_bf16() const { return !layers_.empty() && layers_[0].k.scalar_type() == at::kBFloat16; }

namespace {

template <class Elem>
const Elem* layer_data(const at::Tensor& t, bool bf16) {
    constexpr bool wants_bf16 = std::is_same_v<Elem, uint16_t>;
    static_assert(wants_bf16 || std::is_same_v<Elem, float>, "the KV cache holds float or bf16 bits");
    TORCH_CHECK(wants_bf16 == bf16, "the KV cache is ", bf16 ? "bf16" : "float32", ", read as the other");
    return static_cast<const Elem*>(t.data_ptr());
}

}  // namespace

template <class Elem> const Elem* KvCache::keys(int64_t layer) const { return layer_data<Elem>(layers_.at(layer).k, is_bf16()); }
template <class Elem> const Elem* KvCache::values(int64_t layer) const { return layer_data<Elem>(layers_.at(layer).v, is_bf16()); }
template const float* KvCache::keys<float>(int64_t) const;
template const float* KvCache::values<float>(int64_t) const;
template const uint16_t* KvCache::keys<uint16_t>(int64_t) const;
template const uint16_t* KvCache::values<uint16_t>(int64_t) const;

}  // namespace ibllm
