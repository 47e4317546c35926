// The bf16 kernels for AVX2 + FMA (built with the flags of kernel_avx2.cpp, kernels.cmake): the
// matrix-vector product of decoding, four weight rows at once, and the prefill tiles.
#include "engine/llama/kernels/kernel_abi.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include <cstring>
#include <vector>

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

// Decode: 16 weights per step read as eight 32-bit words. Word j holds element 2j in its low
// half and 2j + 1 in its high half, and a bfloat16 is the upper half of a float32, so
// (word << 16) are the even elements and (word & 0xFFFF0000) the odd ones as floats: one
// load, a shift and an AND per 16 weights, where widening each half with VPMOVZXWD took two
// shuffles more (the shuffle port, not the memory, had been the limit: 0.69 of the bandwidth at
// 1.3B with the AVX2 kernels on two Zen 4 cores). x is split into its even and odd elements
// once per call to match (split_x).
// Row n of W times one row of x: xs is that row split by split_x, xr the row as it is (the tail).
float row_dot(const Bf16MatrixView& w, const float* xs, const float* xr, int64_t n) {
    const int64_t K = w.cols;
    const __m256i high = _mm256_set1_epi32(static_cast<int>(0xFFFF0000u));
    const uint16_t* wr = w.data + n * w.ld;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int64_t k = 0;
    for (; k + 16 <= K; k += 16) {
        _mm_prefetch(reinterpret_cast<const char*>(wr + k + kPrefetchElements), _MM_HINT_T0);
        const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wr + k));
        a0 = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(v, 16)), _mm256_loadu_ps(xs + k), a0);
        a1 = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(v, high)), _mm256_loadu_ps(xs + k + 8), a1);
    }
    float tail = 0.0f;
    for (int64_t t = k; t < K; ++t) tail += widen_one(wr[t]) * xr[t];
    return hsum(_mm256_add_ps(a0, a1)) + tail;
}

struct SplitBlock {
    float values[16];
};

// Row m of x, per block of 16: its 8 even elements, then its 8 odd ones (the tail as it is).
void split_x(const float* x, int64_t K, float* out) {
    int64_t k = 0;
    for (; k + 16 <= K; k += 16) {
        for (int j = 0; j < 8; ++j) {
            out[k + j] = x[k + 2 * j];
            out[k + 8 + j] = x[k + 2 * j + 1];
        }
    }
    for (; k < K; ++k) out[k] = x[k];
}

// ---- prefill: many rows of x ------------------------------------------------------------
// Tiles of 3 x rows by 4 weight rows held as 12 vectors of partial dot products (with the 3 x
// vectors, all 16 registers): per 8 columns 4 panel loads and 3 x loads serve 12 FMAs. The
// weights come from the panel, already float32, so that the widening is done once per panel
// and not once per tile of x rows; the panel (16 rows x up to 1024 columns, 64 KiB) stays in
// L2 while every tile of x rows passes it, and the x tile (3 x 4 KiB) in L1 across the panel's
// four weight tiles. Each output is the sum over the column blocks of one tile's lanes, in a
// fixed order whatever the split over threads.
constexpr int kTileRows = 3;     // x rows per tile
constexpr int kTileWeights = 4;  // weight rows per tile

template <int MR>
void dot_tile(const float* x, int64_t ldx, const float* panel, int64_t kc, float* out) {
    __m256 acc[MR][kTileWeights];
    for (int m = 0; m < MR; ++m)
        for (int r = 0; r < kTileWeights; ++r) acc[m][r] = _mm256_setzero_ps();
    for (int64_t k = 0; k < kc; k += 8) {
        __m256 xv[MR];
        for (int m = 0; m < MR; ++m) xv[m] = _mm256_loadu_ps(x + m * ldx + k);
        for (int r = 0; r < kTileWeights; ++r) {
            const __m256 wv = _mm256_load_ps(panel + r * kBf16PanelCols + k);
            for (int m = 0; m < MR; ++m) acc[m][r] = _mm256_fmadd_ps(xv[m], wv, acc[m][r]);
        }
    }
    for (int m = 0; m < MR; ++m)
        for (int r = 0; r < kTileWeights; ++r) out[m * kTileWeights + r] = hsum(acc[m][r]);
}

// Rows [n0, n0 + rows) of W, columns [k0, k0 + kc), widened into the panel; rows past the
// matrix are zero (their outputs are dropped), as are columns past K up to kc.
void widen_panel(const Bf16MatrixView& w, int64_t n0, int64_t rows, int64_t k0, int64_t kc, float* panel) {
    for (int64_t r = 0; r < kBf16PanelRows; ++r) {
        float* dst = panel + r * kBf16PanelCols;
        if (r >= rows) {
            std::memset(dst, 0, static_cast<size_t>(kc) * sizeof(float));
            continue;
        }
        const uint16_t* src = w.data + (n0 + r) * w.ld + k0;
        const int64_t valid = w.cols - k0 < kc ? w.cols - k0 : kc;
        int64_t k = 0;
        for (; k + 8 <= valid; k += 8) _mm256_store_ps(dst + k, load8(src + k));
        for (; k < valid; ++k) dst[k] = widen_one(src[k]);
        for (; k < kc; ++k) dst[k] = 0.0f;
    }
}

}  // namespace

void bf16_gemm_avx2(const Bf16MatrixView& w, const float* x, int64_t M, int64_t ldx, int64_t n_begin, int64_t n_end,
                    float* y, int64_t ldy, float* panel) {
    const int64_t K = w.cols;
    const int64_t Kp = (K + 7) / 8 * 8;
    alignas(32) float out[kTileRows * kTileWeights];
    for (int64_t n0 = n_begin; n0 < n_end; n0 += kBf16PanelRows) {
        const int64_t rows = n_end - n0 < kBf16PanelRows ? n_end - n0 : kBf16PanelRows;
        for (int64_t k0 = 0; k0 < Kp; k0 += kBf16PanelCols) {
            const int64_t kc = Kp - k0 < kBf16PanelCols ? Kp - k0 : kBf16PanelCols;
            widen_panel(w, n0, rows, k0, kc, panel);
            for (int64_t m0 = 0; m0 < M; m0 += kTileRows) {
                const int mr = M - m0 < kTileRows ? static_cast<int>(M - m0) : kTileRows;
                for (int64_t t = 0; t < rows; t += kTileWeights) {
                    const float* xt = x + m0 * ldx + k0;
                    const float* pt = panel + t * kBf16PanelCols;
                    if (mr == 3)
                        dot_tile<3>(xt, ldx, pt, kc, out);
                    else if (mr == 2)
                        dot_tile<2>(xt, ldx, pt, kc, out);
                    else
                        dot_tile<1>(xt, ldx, pt, kc, out);
                    const int nr = rows - t < kTileWeights ? static_cast<int>(rows - t) : kTileWeights;
                    for (int m = 0; m < mr; ++m) {
                        float* yr = y + (m0 + m) * ldy + n0 + t;
                        for (int r = 0; r < nr; ++r) yr[r] = k0 == 0 ? out[m * kTileWeights + r] : yr[r] + out[m * kTileWeights + r];
                    }
                }
            }
        }
    }
}

void bf16_rows_avx2(const Bf16MatrixView& w, const float* x, int64_t M, int64_t ldx, int64_t n_begin, int64_t n_end,
                    float* y, int64_t ldy) {
    const int64_t K = w.cols;
    // Per thread (the kernels run on the region's threads); grows only. A type of this file's
    // own, so that no std::vector<float> member is compiled here for AVX2 (kernel_abi.h).
    thread_local std::vector<SplitBlock> blocks;
    const size_t need = static_cast<size_t>((M * K + 15) / 16);
    if (blocks.size() < need) blocks.resize(need);
    float* split = blocks.data()->values;
    for (int64_t m = 0; m < M; ++m) split_x(x + m * ldx, K, split + m * K);
    // One weight row at a time: the rows follow each other in memory, so the weights are one
    // sequential stream, which the hardware prefetchers follow across pages. Four rows at once
    // (four streams of one 4 KiB page each at K = 2048, the AVX-512 kernel's order) decoded the
    // 1.3B shape at 9.3-9.6 tokens/s here, one row at a time at 12.8-15.1 (two Zen 4 cores,
    // AVX2 forced; x comes from L1 either way).
    for (int64_t n = n_begin; n < n_end; ++n)
        for (int64_t m = 0; m < M; ++m) y[m * ldy + n] = row_dot(w, split + m * K, x + m * ldx, n);
}

}  // namespace ibllm::quant::abi

#else  // not x86: never selected (kernel_isa.cpp); this keeps the program linkable.

namespace ibllm::quant::abi {
void bf16_rows_avx2(const Bf16MatrixView& w, const float* x, int64_t M, int64_t ldx, int64_t n_begin, int64_t n_end,
                    float* y, int64_t ldy) {
    bf16_rows_scalar(w, x, M, ldx, n_begin, n_end, y, ldy);
}
void bf16_gemm_avx2(const Bf16MatrixView& w, const float* x, int64_t M, int64_t ldx, int64_t n_begin, int64_t n_end,
                    float* y, int64_t ldy, float* panel) {
    bf16_gemm_scalar(w, x, M, ldx, n_begin, n_end, y, ldy, panel);
}
}  // namespace ibllm::quant::abi

#endif
