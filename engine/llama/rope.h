#pragma once
// Rotary position embedding in Meta's interleaved form: the pairs (2i, 2i+1) of each head
// are one complex number rotated by pos * 10000^(-2i/head_dim).
#include <ATen/core/Tensor.h>

namespace ibllm {

class Rope {
public:
    Rope() = default;
    // Tables for positions [0, positions). The reference builds 2 * max_seq_len entries in
    // float32 (angles = float(pos) * freq in float32); doing the same keeps parity near the
    // end of a long context.
    Rope(int64_t head_dim, int64_t positions);

    // x: [..., seqlen, n_heads, head_dim] (a batch in front for training), any float dtype;
    // returns the rotated float32 tensor. Built from differentiable ops, so autograd flows
    // through it.
    at::Tensor apply(const at::Tensor& x, int64_t start_pos) const;
    // The same rotation in place on one position's float32 heads ([n_heads * head_dim]).
    void rotate(float* x, int64_t n_heads, int64_t pos) const;
    int64_t positions() const { return cos_.defined() ? cos_.size(0) : 0; }

private:
    at::Tensor cos_, sin_;  // [positions, head_dim / 2] float32
};

}  // namespace ibllm
