#pragma once
// Keys and values of every position seen so far, per layer, so that each new token only
// attends to them instead of recomputing the whole prefix.
#include <ATen/core/Tensor.h>

#include <vector>

namespace ibllm {

class KvCache {
public:
    KvCache() = default;
    // Storage for `capacity` positions, laid out [n_heads, capacity, head_dim] per layer so
    // that the keys of one head are contiguous for the attention products. `dtype` is
    // float32 or bfloat16 (the model's compute dtype, as the reference keeps its cache in the
    // model's dtype): a decoded token reads every cached position of every layer, so bf16
    // halves the attention's memory traffic and the cache's memory.
    KvCache(int64_t n_layers, int64_t n_heads, int64_t head_dim, int64_t capacity, at::ScalarType dtype);

    int64_t capacity() const { return capacity_; }
    bool empty() const { return layers_.empty(); }

    // Writes k, v ([seqlen, n_heads, head_dim]) at positions [start, start + seqlen) and
    // returns views of the keys and values of positions [0, start + seqlen).
    void append(int64_t layer, int64_t start, const at::Tensor& k, const at::Tensor& v, at::Tensor& keys, at::Tensor& values);

    // The decode step's raw access: writes one position's key and value of one head (float32,
    // head_dim each, rounded to bf16 in a bf16 cache; the heads are written by the threads
    // that attend with them), and gives the layer's storage, head h at h * head_stride(),
    // position t at + t * head_dim: float for a float32 cache, raw bfloat16 bits (uint16_t)
    // for a bf16 one (Elem must match is_bf16()).
    void write_head(int64_t layer, int64_t head, int64_t pos, const float* k, const float* v);
    template <class Elem> const Elem* keys(int64_t layer) const;
    template <class Elem> const Elem* values(int64_t layer) const;
    int64_t head_stride() const { return capacity_ * head_dim_; }
    bool is_bf16() const;

private:
    struct Layer { at::Tensor k, v; };
    std::vector<Layer> layers_;
    int64_t capacity_ = 0, n_heads_ = 0, head_dim_ = 0;
};

}  // namespace ibllm
