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
// Outer products, as optimised BLAS does: a panel of 16 weight rows by kBf16PanelCols columns
// is widened to float32 once and stored column by column (panel[k][16], 16 KiB), then each tile
// of up to 6 x rows runs past it holding 6 x 16 outputs in 12 vector accumulators: per column,
// two panel loads and six broadcasts of x serve 12 FMAs, with no horizontal sums. The panel
// and the tile's x (6 x 1 KiB) stay in L1 while every tile passes; x's block of columns (M x 1
// KiB) in L2 across the panels. Each output is its column blocks' sums added in order, so the
// result does not depend on how the rows are split over threads. The earlier tiles of 3 x rows
// by 4 weight rows (dot products: 7 loads per 12 FMAs from a 64 KiB panel in L2, horizontal
// sums) reached 155-162 / 178-184 GFLOP/s at 64 / 256 rows of the 1.3B up-projection (AVX2 on
// two Zen 4 cores, peak 230); these 167-187 / 200-212.
constexpr int kTileRows = 6;  // x rows per tile
constexpr int kPanelWidth = static_cast<int>(kBf16PanelRows);  // 16 outputs: two vectors

template <int MR>
void outer_tile(const float* x, int64_t ldx, const float* panel, int64_t kc, float* y, int64_t ldy, int nr,
                bool accumulate) {
    __m256 c0[MR], c1[MR];
    for (int m = 0; m < MR; ++m) c0[m] = c1[m] = _mm256_setzero_ps();
    for (int64_t k = 0; k < kc; ++k) {
        const __m256 w0 = _mm256_load_ps(panel + k * kPanelWidth);
        const __m256 w1 = _mm256_load_ps(panel + k * kPanelWidth + 8);
        for (int m = 0; m < MR; ++m) {
            const __m256 b = _mm256_broadcast_ss(x + m * ldx + k);
            c0[m] = _mm256_fmadd_ps(b, w0, c0[m]);
            c1[m] = _mm256_fmadd_ps(b, w1, c1[m]);
        }
    }
    // Through a buffer, so that the accumulators are only ever named by constant indices and
    // stay in registers (GCC kept the 12 in memory, stored every column, when the ending below
    // indexed them).
    alignas(32) float out[MR][kPanelWidth];
    for (int m = 0; m < MR; ++m) {
        _mm256_store_ps(out[m], c0[m]);
        _mm256_store_ps(out[m] + 8, c1[m]);
    }
    for (int m = 0; m < MR; ++m) {
        float* yr = y + m * ldy;
        if (nr == kPanelWidth) {
            __m256 lo = _mm256_load_ps(out[m]), hi = _mm256_load_ps(out[m] + 8);
            if (accumulate) {
                lo = _mm256_add_ps(_mm256_loadu_ps(yr), lo);
                hi = _mm256_add_ps(_mm256_loadu_ps(yr + 8), hi);
            }
            _mm256_storeu_ps(yr, lo);
            _mm256_storeu_ps(yr + 8, hi);
        } else {
            for (int r = 0; r < nr; ++r) yr[r] = accumulate ? yr[r] + out[m][r] : out[m][r];
        }
    }
}

// Eight float vectors (rows) transposed in registers: row j of the result holds element j of
// each input.
inline void transpose8(__m256 r[8]) {
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
    r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
    r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
    r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
    r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

// Rows [n0, n0 + rows) of W, columns [k0, k0 + kc), widened into the panel column by column
// (panel[k * 16 + r] = W[n0 + r, k0 + k]); rows past the matrix are zero (their outputs are
// dropped), as are columns past K up to kc (a multiple of 8).
void widen_panel(const Bf16MatrixView& w, int64_t n0, int64_t rows, int64_t k0, int64_t kc, float* panel) {
    const int64_t valid = w.cols - k0 < kc ? w.cols - k0 : kc;
    for (int half = 0; half < 2; ++half) {
        const int64_t r0 = half * 8;
        for (int64_t k = 0; k < kc; k += 8) {
            __m256 v[8];
            for (int j = 0; j < 8; ++j) {
                const int64_t r = r0 + j;
                if (r < rows && k + 8 <= valid) {
                    v[j] = load8(w.data + (n0 + r) * w.ld + k0 + k);
                } else {
                    alignas(32) float tmp[8];
                    for (int i = 0; i < 8; ++i)
                        tmp[i] = r < rows && k + i < valid ? widen_one(w.data[(n0 + r) * w.ld + k0 + k + i]) : 0.0f;
                    v[j] = _mm256_load_ps(tmp);
                }
            }
            transpose8(v);
            for (int i = 0; i < 8; ++i) _mm256_store_ps(panel + (k + i) * kPanelWidth + r0, v[i]);
        }
    }
}


}  // namespace

void bf16_gemm_avx2(const Bf16MatrixView& w, const float* x, int64_t M, int64_t ldx, int64_t n_begin, int64_t n_end,
                    float* y, int64_t ldy, float* panel) {
    const int64_t K = w.cols;
    const int64_t Kp = (K + 7) / 8 * 8;
    for (int64_t k0 = 0; k0 < Kp; k0 += kBf16PanelCols) {
        const int64_t kc = Kp - k0 < kBf16PanelCols ? Kp - k0 : kBf16PanelCols;
        for (int64_t n0 = n_begin; n0 < n_end; n0 += kPanelWidth) {
            const int64_t rows = n_end - n0 < kPanelWidth ? n_end - n0 : kPanelWidth;
            widen_panel(w, n0, rows, k0, kc, panel);
            // The next panel's weights (the next rows at these columns, or the first rows at
            // the next columns) are fetched while this one is multiplied, a share before each
            // tile of x: the widening had waited on memory for most of its time (sixteen rows
            // read 512 bytes at a time are more streams than the hardware prefetchers follow).
            int64_t next_n = n0 + kPanelWidth, next_k = k0;
            if (next_n >= n_end) next_n = n_begin, next_k = k0 + kBf16PanelCols;
            const int64_t next_rows = next_k < Kp ? (n_end - next_n < kPanelWidth ? n_end - next_n : kPanelWidth) : 0;
            const int64_t next_kc = Kp - next_k < kBf16PanelCols ? Kp - next_k : kBf16PanelCols;
            const int64_t lines_per_row = (next_kc * 2 + 63) / 64;
            const int64_t lines = next_rows * lines_per_row;
            const int64_t tiles = (M + kTileRows - 1) / kTileRows;
            const int64_t lines_per_tile = (lines + tiles - 1) / tiles;
            int64_t line = 0;
            const int nr = static_cast<int>(rows);
            for (int64_t m0 = 0; m0 < M; m0 += kTileRows) {
                for (const int64_t end = line + lines_per_tile < lines ? line + lines_per_tile : lines; line < end; ++line) {
                    const uint16_t* p = w.data + (next_n + line / lines_per_row) * w.ld + next_k + (line % lines_per_row) * 32;
                    _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T0);
                }
                const float* xt = x + m0 * ldx + k0;
                float* yt = y + m0 * ldy + n0;
                const bool acc = k0 > 0;
                switch (M - m0 < kTileRows ? static_cast<int>(M - m0) : kTileRows) {
                    case 6: outer_tile<6>(xt, ldx, panel, kc, yt, ldy, nr, acc); break;
                    case 5: outer_tile<5>(xt, ldx, panel, kc, yt, ldy, nr, acc); break;
                    case 4: outer_tile<4>(xt, ldx, panel, kc, yt, ldy, nr, acc); break;
                    case 3: outer_tile<3>(xt, ldx, panel, kc, yt, ldy, nr, acc); break;
                    case 2: outer_tile<2>(xt, ldx, panel, kc, yt, ldy, nr, acc); break;
                    default: outer_tile<1>(xt, ldx, panel, kc, yt, ldy, nr, acc); break;
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
