// The bf16 matrix-vector kernel for AVX2 + FMA (built with the flags of kernel_avx2.cpp,
// kernels.cmake): as bf16_kernel_avx512.cpp with 8-wide registers, four weight rows at once.
#include "engine/llama/quant/bf16_rows_driver_impl.h"
#include "engine/llama/quant/kernel_abi.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include <cstring>

namespace ibllm::quant::abi {

namespace {

constexpr int64_t kPrefetchElements = 512;  // 1 KB ahead in each row's stream

inline __m256 load8(const uint16_t* p) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

inline float hsum(__m256 v) {
    const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(t, _mm_movehdup_ps(t)));
}

inline float widen_one(uint16_t b) {
    const uint32_t bits = static_cast<uint32_t>(b) << 16;
    float v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
}

template <int NB>
void rows_block(const Bf16MatrixView& w, const float* xr, int64_t n, float* yr) {
    const int64_t K = w.cols;
    const uint16_t* wr[NB];
    __m256 a0[NB], a1[NB];
    for (int r = 0; r < NB; ++r) {
        wr[r] = w.data + (n + r) * w.ld;
        a0[r] = _mm256_setzero_ps();
        a1[r] = _mm256_setzero_ps();
    }
    int64_t k = 0;
    for (; k + 16 <= K; k += 16) {
        const __m256 x0 = _mm256_loadu_ps(xr + k), x1 = _mm256_loadu_ps(xr + k + 8);
        for (int r = 0; r < NB; ++r) {
            _mm_prefetch(reinterpret_cast<const char*>(wr[r] + k + kPrefetchElements), _MM_HINT_T0);
            a0[r] = _mm256_fmadd_ps(load8(wr[r] + k), x0, a0[r]);
            a1[r] = _mm256_fmadd_ps(load8(wr[r] + k + 8), x1, a1[r]);
        }
    }
    for (int r = 0; r < NB; ++r) {
        float tail = 0.0f;
        for (int64_t t = k; t < K; ++t) tail += widen_one(wr[r][t]) * xr[t];
        yr[n + r] = hsum(_mm256_add_ps(a0[r], a1[r])) + tail;
    }
}

}  // namespace

void bf16_rows_avx2(const Bf16MatrixView& w, const float* x, int64_t M, int64_t ldx, int64_t n_begin, int64_t n_end,
                    float* y, int64_t ldy) {
    bf16_rows_driver(w, x, M, ldx, n_begin, n_end, y, ldy);
}

}  // namespace ibllm::quant::abi

#else  // not x86: never selected (kernel_isa.cpp); this keeps the program linkable.

namespace ibllm::quant::abi {
void bf16_rows_avx2(const Bf16MatrixView& w, const float* x, int64_t M, int64_t ldx, int64_t n_begin, int64_t n_end,
                    float* y, int64_t ldy) {
    bf16_rows_scalar(w, x, M, ldx, n_begin, n_end, y, ldy);
}
}  // namespace ibllm::quant::abi

#endif
