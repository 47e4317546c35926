#include "engine/llama/decode_ops.h"

#include <cmath>
#include <cstring>
#include <limits>

// One copy per instruction-set level; the loader's ifunc picks the best the CPU runs.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define IBLLM_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define IBLLM_CLONES
#endif

namespace ibllm::decode_ops {

namespace {

// exp by range reduction, x = n ln2 + r with |r| <= ln2/2, and a degree-6 polynomial for e^r
// (Cephes expf's coefficients); 2^n is built in the exponent bits. Branch-free, so that the
// loops that call it vectorise.
inline float exp_inline(float x) {
    x = x < -87.33654f ? -87.33654f : x;
    x = x > 88.37626f ? 88.37626f : x;
    const float n = __builtin_floorf(x * 1.44269504088896341f + 0.5f);
    float r = x - n * 0.693359375f;  // ln2 split in two for an exact product
    r = r - n * -2.12194440e-4f;
    const float r2 = r * r;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    const float e = p * r2 + r + 1.0f;
    const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
    float scale;
    std::memcpy(&scale, &bits, sizeof scale);
    return e * scale;
}

}  // namespace

float exp_approx(float x) { return exp_inline(x); }

IBLLM_CLONES void rms_norm(const float* x, const float* weight, int64_t n, float eps, float* out) {
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int64_t i = 0; i < n; ++i) sum += x[i] * x[i];
    const float r = 1.0f / std::sqrt(sum / static_cast<float>(n) + eps);
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) out[i] = x[i] * r * weight[i];
}

IBLLM_CLONES void add(float* y, const float* x, int64_t n) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

IBLLM_CLONES void swiglu(float* gate, const float* up, int64_t n) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) gate[i] = gate[i] / (1.0f + exp_inline(-gate[i])) * up[i];
}

IBLLM_CLONES void attention_head(const float* q, const float* keys, const float* values, int64_t T, int64_t hd,
                                 float* scores, float* out) {
    const float inv_sqrt_hd = 1.0f / std::sqrt(static_cast<float>(hd));
    float best = -std::numeric_limits<float>::infinity();
    for (int64_t t = 0; t < T; ++t) {
        const float* kt = keys + t * hd;
        float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
        for (int64_t j = 0; j < hd; ++j) dot += q[j] * kt[j];
        scores[t] = dot * inv_sqrt_hd;
        best = scores[t] > best ? scores[t] : best;
    }
    float total = 0.0f;
#pragma omp simd reduction(+ : total)
    for (int64_t t = 0; t < T; ++t) {
        scores[t] = exp_inline(scores[t] - best);
        total += scores[t];
    }
    const float inv_total = 1.0f / total;
#pragma omp simd
    for (int64_t j = 0; j < hd; ++j) out[j] = 0.0f;
    for (int64_t t = 0; t < T; ++t) {
        const float p = scores[t] * inv_total;
        const float* vt = values + t * hd;
#pragma omp simd
        for (int64_t j = 0; j < hd; ++j) out[j] += p * vt[j];
    }
}

}  // namespace ibllm::decode_ops
