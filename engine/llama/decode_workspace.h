#pragma once
// Every intermediate of one decoded token, allocated once (per generator, grown when a
// larger model or context comes) and reused for every token, so that the decode loop
// allocates nothing: the matrix kernels, the norms, RoPE and the attention write into these.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace ibllm {

struct DecodeWorkspace {
    at::Tensor h;        // [dim] the residual stream
    at::Tensor xn;       // [dim] the normalised input of a block
    at::Tensor q, k, v;  // [dim] this position's projections
    at::Tensor attn;     // [dim] the attention output (heads side by side)
    at::Tensor proj;     // [dim] the output of wo or w2
    at::Tensor gate, up; // [hidden] w1 and w3's outputs
    at::Tensor scores;   // [n_heads, capacity] attention weights
    at::Tensor logits;   // [vocab]

    // Makes every buffer the given size (float32), keeping those that already are.
    void ensure(int64_t dim, int64_t hidden, int64_t vocab, int64_t n_heads, int64_t capacity);
};

}  // namespace ibllm
