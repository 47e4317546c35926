#pragma once
// The element-wise loops and the single-query attention of the decode step, vectorised.
//
// They run once per layer per token between the matrix products, mostly on one core while the
// other waits, so at the 1.3B shape they were ~13% of a 4-bit token when built for the
// baseline x86-64 (SSE2, std::exp one value at a time). Each function is built for AVX-512,
// AVX2+FMA and the baseline (GCC target_clones; the loader picks the copy for the running CPU)
// and exp is a polynomial the compiler can vectorise.
#include <cstdint>

namespace ibllm::decode_ops {

// exp(x) in float32 to about 2 ulp for x in [-87, 88]; 0 below, a large finite value above.
float exp_approx(float x);

// out = x * rsqrt(mean(x^2) + eps) * weight (the reference RMSNorm in float32).
void rms_norm(const float* x, const float* weight, int64_t n, float eps, float* out);

// y += x.
void add(float* y, const float* x, int64_t n);

// gate = silu(gate) * up = gate / (1 + exp(-gate)) * up.
void swiglu(float* gate, const float* up, int64_t n);

// One head's attention for one query over positions [0, T): keys and values are T rows of hd
// floats; scores receives T floats of scratch. out = softmax(q.k_t / sqrt(hd)) . v_t.
void attention_head(const float* q, const float* keys, const float* values, int64_t T, int64_t hd, float* scores,
                    float* out);

// The same over a bf16 cache: keys and values as raw bfloat16 bits (the upper half of a
// float32), widened on the fly; the products and the softmax stay in float32.
void attention_head(const float* q, const uint16_t* keys, const uint16_t* values, int64_t T, int64_t hd, float* scores,
                    float* out);

// out = x rounded to bfloat16 (to nearest, ties to even: what c10::BFloat16 gives, so that a
// position written here and one written by a tensor copy hold the same bits).
void to_bf16(const float* x, uint16_t* out, int64_t n);

}  // namespace ibllm::decode_ops
