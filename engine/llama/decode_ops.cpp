#include "engine/llama/decode_ops.h"

#include <cmath>
#include <cstring>
#include <limits>

// One copy per instruction-set level; the loader's ifunc picks the best the CPU runs.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define IBLLM_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define IBLLM_INLINE inline __attribute__((always_inline))
#else
#define IBLLM_CLONES
#define IBLLM_INLINE inline
#endif

namespace ibllm::decode_ops {

namespace {

// exp by range reduction, x = n ln2 + r with |r| <= ln2/2, and a degree-6 polynomial for e^r
// (Cephes expf's coefficients); 2^n is built in the exponent bits. Branch-free, so that the
// loops that call it vectorise.
IBLLM_INLINE float exp_inline(float x) {
    x = x < -87.33654f ? -87.33654f : x;
    x = x > 88.37626f ? 88.37626f : x;
    // n = x / ln2 rounded to the nearest integer by the 1.5 * 2^23 trick: floorf is a libm
    // call under GCC's default -ftrapping-math, and a call in the loop stops it vectorising.
    const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
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

IBLLM_INLINE float widen(float x) { return x; }
IBLLM_INLINE float widen(uint16_t bits) {
    const uint32_t wide = static_cast<uint32_t>(bits) << 16;
    float f;
    std::memcpy(&f, &wide, sizeof f);
    return f;
}

// 16 floats as one GCC vector: each instruction-set copy lowers it to what it has (one
// AVX-512 register, two AVX2 ones, four SSE ones), which the intrinsics of one ISA cannot do
// inside target_clones functions.
typedef float F16x __attribute__((vector_size(64)));
typedef uint32_t U32x16 __attribute__((vector_size(64)));
typedef float F8x __attribute__((vector_size(32)));
typedef float F4x __attribute__((vector_size(16)));

IBLLM_INLINE F16x load16(const float* p) {
    F16x v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
IBLLM_INLINE float hsum(F16x v) {
    const F8x a = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) + __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
    const F4x b = __builtin_shufflevector(a, a, 0, 1, 2, 3) + __builtin_shufflevector(a, a, 4, 5, 6, 7);
    return (b[0] + b[2]) + (b[1] + b[3]);
}

// Rows of one head's keys or values are only a few KiB per head, and the hardware prefetchers
// stop at every 4 KiB page, so each row is asked for kPrefetchRows positions ahead (and the
// first value rows while the last key rows are scored).
constexpr int64_t kPrefetchRows = 8;
template <class Elem>
IBLLM_INLINE void prefetch_row(const Elem* row, int64_t hd) {
    const char* p = reinterpret_cast<const char*>(row);
    for (int64_t b = 0; b < hd * int64_t(sizeof(Elem)); b += 64) __builtin_prefetch(p + b);
}
template <class Elem>
IBLLM_INLINE void prefetch_ahead(const Elem* rows, const Elem* next_rows, int64_t t, int64_t T, int64_t hd) {
    const int64_t ahead = t + kPrefetchRows;
    if (ahead < T)
        prefetch_row(rows + ahead * hd, hd);
    else if (next_rows && ahead - T < T)
        prefetch_row(next_rows + (ahead - T) * hd, hd);
}

// The general loops, for head sizes that are not a multiple of 16 (the small test models).
template <class Elem>
IBLLM_INLINE void attention_scores_any(const float* q, const Elem* keys, int64_t T, int64_t hd, float scale, float* scores) {
    for (int64_t t = 0; t < T; ++t) {
        const Elem* kt = keys + t * hd;
        float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
        for (int64_t j = 0; j < hd; ++j) dot += q[j] * widen(kt[j]);
        scores[t] = dot * scale;
    }
}

template <class Elem>
IBLLM_INLINE void weighted_values_any(const float* p, const Elem* values, int64_t T, int64_t hd, float* out) {
#pragma omp simd
    for (int64_t j = 0; j < hd; ++j) out[j] = 0.0f;
    for (int64_t t = 0; t < T; ++t) {
        const Elem* vt = values + t * hd;
#pragma omp simd
        for (int64_t j = 0; j < hd; ++j) out[j] += p[t] * widen(vt[j]);
    }
}

// Head sizes in multiples of 16 floats (LLaMA's 128): the dot product of one position in two
// independent accumulators, the weighted sum of the values in registers W chunks wide across
// all positions, so that neither waits on a chain of dependent additions through memory.
IBLLM_INLINE void attention_scores16(const float* q, const float* keys, const float* values, int64_t T, int64_t hd,
                                     float scale, float* scores) {
    for (int64_t t = 0; t < T; ++t) {
        prefetch_ahead(keys, values, t, T, hd);
        const float* kt = keys + t * hd;
        F16x a = load16(q) * load16(kt), b = {};
        int64_t j = 16;
        for (; j + 32 <= hd; j += 32) {
            a += load16(q + j) * load16(kt + j);
            b += load16(q + j + 16) * load16(kt + j + 16);
        }
        if (j < hd) b += load16(q + j) * load16(kt + j);
        scores[t] = hsum(a + b) * scale;
    }
}

template <int W>
IBLLM_INLINE void weighted_values16(const float* p, const float* values, int64_t T, int64_t hd, int64_t j0, float* out) {
    F16x acc[W] = {};
    for (int64_t t = 0; t < T; ++t) {
        if (j0 == 0) prefetch_ahead(values, static_cast<const float*>(nullptr), t, T, hd);
        const float* vt = values + t * hd + j0;
        for (int w = 0; w < W; ++w) acc[w] += p[t] * load16(vt + 16 * w);
    }
    for (int w = 0; w < W; ++w) std::memcpy(out + j0 + 16 * w, &acc[w], sizeof acc[w]);
}

// bf16 rows in multiples of 32 values: 64 bytes load as 16 32-bit words, and a word's high half
// is the odd element, its low half shifted up the even one, each already a float32 (one shift or
// one AND per 16 values instead of a widening shuffle). The dot product takes q split into its
// even and odd elements once per head; the weighted sum keeps even and odd sums and interleaves
// them at the end.
IBLLM_INLINE void bf16_pair(const uint16_t* p, F16x& even, F16x& odd) {
    U32x16 w;
    std::memcpy(&w, p, sizeof w);
    even = reinterpret_cast<F16x>(w << 16);
    odd = reinterpret_cast<F16x>(w & 0xffff0000u);
}

IBLLM_INLINE void attention_scores32(const float* q_even, const float* q_odd, const uint16_t* keys, const uint16_t* values,
                                     int64_t T, int64_t hd, float scale, float* scores) {
    for (int64_t t = 0; t < T; ++t) {
        prefetch_ahead(keys, values, t, T, hd);
        const uint16_t* kt = keys + t * hd;
        F16x a = {}, b = {};
        for (int64_t j = 0; j < hd; j += 32) {
            F16x even, odd;
            bf16_pair(kt + j, even, odd);
            a += load16(q_even + j / 2) * even;
            b += load16(q_odd + j / 2) * odd;
        }
        scores[t] = hsum(a + b) * scale;
    }
}

template <int W>
IBLLM_INLINE void weighted_values32(const float* p, const uint16_t* values, int64_t T, int64_t hd, int64_t j0, float* out) {
    F16x even_sum[W] = {}, odd_sum[W] = {};
    for (int64_t t = 0; t < T; ++t) {
        if (j0 == 0) prefetch_ahead(values, static_cast<const uint16_t*>(nullptr), t, T, hd);
        const uint16_t* vt = values + t * hd + j0;
        for (int w = 0; w < W; ++w) {
            F16x even, odd;
            bf16_pair(vt + 32 * w, even, odd);
            even_sum[w] += p[t] * even;
            odd_sum[w] += p[t] * odd;
        }
    }
    for (int w = 0; w < W; ++w)
        for (int i = 0; i < 16; ++i) {
            out[j0 + 32 * w + 2 * i] = even_sum[w][i];
            out[j0 + 32 * w + 2 * i + 1] = odd_sum[w][i];
        }
}

// The largest head size the split query is kept on the stack for.
constexpr int64_t kMaxSplitHead = 512;

IBLLM_INLINE bool fast_rows(const float*, int64_t hd) { return hd % 16 == 0; }
IBLLM_INLINE bool fast_rows(const uint16_t*, int64_t hd) { return hd % 32 == 0 && hd <= kMaxSplitHead; }

IBLLM_INLINE void fast_scores(const float* q, const float* keys, const float* values, int64_t T, int64_t hd, float scale,
                              float* scores) {
    attention_scores16(q, keys, values, T, hd, scale, scores);
}
IBLLM_INLINE void fast_scores(const float* q, const uint16_t* keys, const uint16_t* values, int64_t T, int64_t hd,
                              float scale, float* scores) {
    alignas(64) float q_even[kMaxSplitHead / 2], q_odd[kMaxSplitHead / 2];
    for (int64_t i = 0; i < hd / 2; ++i) q_even[i] = q[2 * i], q_odd[i] = q[2 * i + 1];
    attention_scores32(q_even, q_odd, keys, values, T, hd, scale, scores);
}

IBLLM_INLINE void fast_values(const float* p, const float* values, int64_t T, int64_t hd, float* out) {
    int64_t j = 0;
    for (; j + 128 <= hd; j += 128) weighted_values16<8>(p, values, T, hd, j, out);
    for (; j < hd; j += 16) weighted_values16<1>(p, values, T, hd, j, out);
}
IBLLM_INLINE void fast_values(const float* p, const uint16_t* values, int64_t T, int64_t hd, float* out) {
    int64_t j = 0;
    for (; j + 128 <= hd; j += 128) weighted_values32<4>(p, values, T, hd, j, out);
    for (; j < hd; j += 32) weighted_values32<1>(p, values, T, hd, j, out);
}

// Scores, softmax and the weighted sum of the values; Elem is float or bf16 bits. Forced inline
// (as every helper here): GCC would otherwise compile one baseline copy that all the
// instruction-set copies of the callers jump to.
template <class Elem>
IBLLM_INLINE void attention_head_body(const float* q, const Elem* keys, const Elem* values, int64_t T, int64_t hd,
                                      float* scores, float* out) {
    const bool fast = fast_rows(keys, hd);
    const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
    if (fast)
        fast_scores(q, keys, values, T, hd, scale, scores);
    else
        attention_scores_any(q, keys, T, hd, scale, scores);
    float best = -std::numeric_limits<float>::infinity();
    for (int64_t t = 0; t < T; ++t) best = scores[t] > best ? scores[t] : best;
    float total = 0.0f;
#pragma omp simd reduction(+ : total)
    for (int64_t t = 0; t < T; ++t) {
        scores[t] = exp_inline(scores[t] - best);
        total += scores[t];
    }
    const float inv_total = 1.0f / total;
#pragma omp simd
    for (int64_t t = 0; t < T; ++t) scores[t] *= inv_total;
    if (fast)
        fast_values(scores, values, T, hd, out);
    else
        weighted_values_any(scores, values, T, hd, out);
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
    attention_head_body(q, keys, values, T, hd, scores, out);
}

IBLLM_CLONES void attention_head(const float* q, const uint16_t* keys, const uint16_t* values, int64_t T, int64_t hd,
                                 float* scores, float* out) {
    attention_head_body(q, keys, values, T, hd, scores, out);
}

IBLLM_CLONES void to_bf16(const float* x, uint16_t* out, int64_t n) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
        uint32_t bits;
        std::memcpy(&bits, &x[i], sizeof bits);
        // NaN keeps a quiet NaN pattern; everything else rounds to nearest even.
        const bool nan = (bits & 0x7fffffffu) > 0x7f800000u;
        const uint32_t rounded = (bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16;
        out[i] = static_cast<uint16_t>(nan ? 0x7fc0u : rounded);
    }
}

}  // namespace ibllm::decode_ops
