// The bf16 matrix-vector kernel for AVX-512 (F, BW, VL; built with the flags of
// kernel_avx512.cpp, kernels.cmake). Decoding with bf16 weights reads each weight once, so the
// work per byte is tiny and the speed is the memory's: four weight rows are streamed at once
// (each activation load serves four rows), with software prefetch ahead of every stream.
// x stays float32; each bf16 weight widens exactly to float32 (a 16-bit shift).
#include "engine/llama/kernels/bf16_rows_driver_impl.h"
#include "engine/llama/kernels/kernel_abi.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

namespace ibllm::quant::abi {

namespace {

constexpr int64_t kPrefetchElements = 512;  // 1 KB ahead in each row's stream

inline __m512 widen(__m256i bf16) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(bf16), 16)); }
inline __m512 load16(const uint16_t* p) { return widen(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
inline __m512 load16_masked(const uint16_t* p, __mmask16 m) { return widen(_mm256_maskz_loadu_epi16(m, p)); }

template <int NB>
void rows_block(const Bf16MatrixView& w, const float* xr, int64_t n, float* yr) {
    const int64_t K = w.cols;
    const uint16_t* wr[NB];
    __m512 a0[NB], a1[NB];
    for (int r = 0; r < NB; ++r) {
        wr[r] = w.data + (n + r) * w.ld;
        a0[r] = _mm512_setzero_ps();
        a1[r] = _mm512_setzero_ps();
    }
    int64_t k = 0;
    for (; k + 32 <= K; k += 32) {
        const __m512 x0 = _mm512_loadu_ps(xr + k), x1 = _mm512_loadu_ps(xr + k + 16);
        for (int r = 0; r < NB; ++r) {
            _mm_prefetch(reinterpret_cast<const char*>(wr[r] + k + kPrefetchElements), _MM_HINT_T0);
            a0[r] = _mm512_fmadd_ps(load16(wr[r] + k), x0, a0[r]);
            a1[r] = _mm512_fmadd_ps(load16(wr[r] + k + 16), x1, a1[r]);
        }
    }
    for (; k < K; k += 16) {
        const __mmask16 m = K - k >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << (K - k)) - 1);
        const __m512 x0 = _mm512_maskz_loadu_ps(m, xr + k);
        for (int r = 0; r < NB; ++r) a0[r] = _mm512_fmadd_ps(load16_masked(wr[r] + k, m), x0, a0[r]);
    }
    for (int r = 0; r < NB; ++r) yr[n + r] = _mm512_reduce_add_ps(_mm512_add_ps(a0[r], a1[r]));
}

}  // namespace

void bf16_rows_avx512(const Bf16MatrixView& w, const float* x, int64_t M, int64_t ldx, int64_t n_begin, int64_t n_end,
                    float* y, int64_t ldy) {
    bf16_rows_driver(w, x, M, ldx, n_begin, n_end, y, ldy);
}

}  // namespace ibllm::quant::abi

#else  // not x86: never selected (kernel_isa.cpp); this keeps the program linkable.

namespace ibllm::quant::abi {
void bf16_rows_avx512(const Bf16MatrixView& w, const float* x, int64_t M, int64_t ldx, int64_t n_begin, int64_t n_end,
                      float* y, int64_t ldy) {
    bf16_rows_scalar(w, x, M, ldx, n_begin, n_end, y, ldy);
}
}  // namespace ibllm::quant::abi

#endif
