// AVX2 + FMA + F16C kernels, for x86 CPUs without AVX-512 VNNI. Built with -mavx2 -mfma -mf16c
// (kernels.cmake) and only called when the CPU has them.
//
// Without VPDPBUSD the int8 products go through VPMADDUBSW (unsigned x signed bytes -> int16
// pairs) and VPMADDWD with ones (-> int32 lanes). The same lane order as the AVX-512 kernel:
// eight 4-byte lanes, lane L belonging to group L % 2.
#include "engine/llama/kernels/kernel_abi.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include <cstring>
#include <type_traits>

#include "engine/llama/kernels/dequantize_rows_impl.h"
#include "engine/llama/kernels/quantize_rows_impl.h"
#include "engine/llama/kernels/row_blocks_impl.h"

namespace ibllm::quant::abi {

namespace {

// Software prefetch this far ahead in the weight stream (see kernel_avx512.cpp).
constexpr int64_t kPrefetchBytes = 1024;

inline void prefetch(const uint8_t* p) { _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetchBytes), _MM_HINT_T0); }

inline __m256 pair_pattern(const float* p) {
    double d;
    std::memcpy(&d, p, sizeof d);
    return _mm256_castpd_ps(_mm256_set1_pd(d));
}

inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

template <int MB>
void int8_block(const MatrixView& w, const ActivationView& x, int64_t n, int64_t m0, float* y, int64_t ldy) {
    const int64_t S = x.superblocks;
    const uint8_t* wr = w.data + n * w.row_bytes;
    const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
    const __m256i ones = _mm256_set1_epi16(1);
    const int8_t* xq[MB];
    const float* dx[MB];
    __m256 acc[MB];
    for (int m = 0; m < MB; ++m) {
        xq[m] = x.q + (m0 + m) * S * kSuperblock;
        dx[m] = group_dx(x, m0 + m);
        acc[m] = _mm256_setzero_ps();
    }
    for (int64_t s = 0; s < S; ++s) {
        prefetch(wr + s * kSuperblock);
        // w + 128 back to signed w; |w| <= 127, so |w| * x pairs fit int16 (maddubs saturates).
        const __m256i w0 = _mm256_xor_si256(load256(wr + s * kSuperblock), flip);
        const __m256i w1 = _mm256_xor_si256(load256(wr + s * kSuperblock + 32), flip);
        const __m256i a0 = _mm256_abs_epi8(w0), a1 = _mm256_abs_epi8(w1);
        for (int m = 0; m < MB; ++m) {
            const __m256i x0 = _mm256_sign_epi8(load256(xq[m] + s * kSuperblock), w0);
            const __m256i x1 = _mm256_sign_epi8(load256(xq[m] + s * kSuperblock + 32), w1);
            const __m256i i = _mm256_add_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(a0, x0), ones),
                                               _mm256_madd_epi16(_mm256_maddubs_epi16(a1, x1), ones));
            acc[m] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(i), pair_pattern(dx[m] + 2 * s), acc[m]);
        }
    }
    const float scale = w.row_scales[n];
    for (int m = 0; m < MB; ++m) y[(m0 + m) * ldy + n] = scale * hsum(acc[m]);
}

// Per superblock: the low and high nibbles (positions 0..31 and 32..63, whose lanes carry the
// same groups) become their levels' unsigned forms (level + 64, at most 121) by one byte
// shuffle each, shared by the block's activation rows; each is multiplied with the activations
// through VPMADDUBSW (pairs at most 2 * 121 * 127, within int16) and widened by VPMADDWD. The
// scales c = d_w * d_x are formed 8 groups at a time and the offset (+64) is taken out once per
// row: 64 * sum(d_w * d_x * S).
template <int MB>
void q4_block(const MatrixView& w, const ActivationView& x, int64_t n, int64_t m0, float* y, int64_t ldy) {
    const int64_t S = x.superblocks;
    const uint8_t* wr = w.data + n * w.row_bytes;
    const uint16_t* scales = w.group_scales + n * S * 2;
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    const __m256i ones = _mm256_set1_epi16(1);
    const __m256i levels = _mm256_broadcastsi128_si256(_mm_load_si128(reinterpret_cast<const __m128i*>(kQ4Unsigned.v)));
    const int8_t* xq[MB];
    const float* dx[MB];
    const float* dxs[MB];
    __m256 acc[MB], corr[MB];
    alignas(32) float c[MB][8];
    for (int m = 0; m < MB; ++m) {
        xq[m] = x.q + (m0 + m) * S * kSuperblock;
        dx[m] = group_dx(x, m0 + m);
        dxs[m] = group_dxs(x, m0 + m);
        acc[m] = _mm256_setzero_ps();
        corr[m] = _mm256_setzero_ps();
    }
    for (int64_t s0 = 0; s0 < S; s0 += 4) {
        const int nb = S - s0 >= 4 ? 4 : static_cast<int>(S - s0);
        __m128i halves;
        if (nb == 4) {
            halves = _mm_loadu_si128(reinterpret_cast<const __m128i*>(scales + 2 * s0));
        } else {
            uint16_t tail[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            std::memcpy(tail, scales + 2 * s0, static_cast<size_t>(2 * nb) * sizeof(uint16_t));
            halves = _mm_loadu_si128(reinterpret_cast<const __m128i*>(tail));
        }
        const __m256 dw = _mm256_cvtph_ps(halves);
        for (int m = 0; m < MB; ++m) {
            _mm256_store_ps(c[m], _mm256_mul_ps(dw, _mm256_loadu_ps(dx[m] + 2 * s0)));
            corr[m] = _mm256_fmadd_ps(dw, _mm256_loadu_ps(dxs[m] + 2 * s0), corr[m]);
        }
        for (int j = 0; j < nb; ++j) {
            const int64_t s = s0 + j;
            if (s % 2 == 0) prefetch(wr + s * 32);  // a cache line per two superblocks
            const __m256i v = load256(wr + s * 32);
            const __m256i lo = _mm256_shuffle_epi8(levels, _mm256_and_si256(v, low4));
            const __m256i hi = _mm256_shuffle_epi8(levels, _mm256_and_si256(_mm256_srli_epi16(v, 4), low4));
            for (int m = 0; m < MB; ++m) {
                // Widened apart: the two halves' int16 sums together could pass 32767.
                const __m256i i = _mm256_add_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(lo, load256(xq[m] + s * kSuperblock)), ones),
                                                   _mm256_madd_epi16(_mm256_maddubs_epi16(hi, load256(xq[m] + s * kSuperblock + 32)), ones));
                acc[m] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(i), pair_pattern(c[m] + 2 * j), acc[m]);
            }
        }
    }
    for (int m = 0; m < MB; ++m)
        y[(m0 + m) * ldy + n] = hsum(_mm256_fmadd_ps(corr[m], _mm256_set1_ps(-static_cast<float>(kQ4Offset)), acc[m]));
}

}  // namespace

// prepare_activations_impl.h by hand (the compiler's version took 2 ns per value): the same
// bytes and floats, checked by the tests.
void prepare_avx2(const float* x, int64_t rows, int64_t ldx, int64_t K, int64_t superblocks,
                  const ActivationBuffers& out) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256i natural_dwords = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (int64_t m = 0; m < rows; ++m) {
        const float* xr = x + m * ldx;
        int8_t* q = out.q + m * superblocks * kSuperblock;
        float* dx_run = out.scales + m * scale_row_floats(superblocks);
        float* dxs_run = dx_run + scale_run(superblocks);
        float total = 0.0f;
        for (int64_t s = 0; s < superblocks; ++s) {
            __m256i bytes[2];
            for (int g = 0; g < 2; ++g) {
                __m256 v[4];
                for (int c = 0; c < 4; ++c) {
                    const int64_t k = s * kSuperblock + g * kGroup + 8 * c;
                    const int64_t left = K - k;
                    if (left >= 8) {
                        v[c] = _mm256_loadu_ps(xr + k);
                    } else {
                        const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
                        const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(left > 0 ? left : 0)), idx);
                        v[c] = _mm256_maskload_ps(xr + (left > 0 ? k : 0), mask);
                    }
                }
                __m256 a = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign, v[0]), _mm256_andnot_ps(sign, v[1])),
                                         _mm256_max_ps(_mm256_andnot_ps(sign, v[2]), _mm256_andnot_ps(sign, v[3])));
                __m128 h = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
                h = _mm_max_ps(h, _mm_movehl_ps(h, h));
                h = _mm_max_ss(h, _mm_movehdup_ps(h));
                const float amax = _mm_cvtss_f32(h);
                const float dx = amax / 127.0f;
                const __m256 id = _mm256_set1_ps(amax > 0.0f ? 127.0f / amax : 0.0f);
                __m256i qi[4];
                for (int c = 0; c < 4; ++c) qi[c] = _mm256_cvtps_epi32(_mm256_mul_ps(v[c], id));  // round half to even
                const __m256i sum = _mm256_add_epi32(_mm256_add_epi32(qi[0], qi[1]), _mm256_add_epi32(qi[2], qi[3]));
                __m128i t = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
                t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0x4E));
                t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0xB1));
                const int32_t S = _mm_cvtsi128_si32(t);
                const __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(qi[0], qi[1]), _mm256_packs_epi32(qi[2], qi[3]));
                bytes[g] = _mm256_permutevar8x32_epi32(packed, natural_dwords);  // elements 0..31 in order
                const float dxs = dx * static_cast<float>(S);
                dx_run[2 * s + g] = dx;
                dxs_run[2 * s + g] = dxs;
                total += dxs;
            }
            // Dwords of group a go to even lanes, those of group b to odd lanes.
            const __m256i lo = _mm256_unpacklo_epi32(bytes[0], bytes[1]), hi = _mm256_unpackhi_epi32(bytes[0], bytes[1]);
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + s * kSuperblock), _mm256_permute2x128_si256(lo, hi, 0x20));
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + s * kSuperblock + 32), _mm256_permute2x128_si256(lo, hi, 0x31));
        }
        for (int64_t g = 2 * superblocks; g < scale_run(superblocks); ++g) dx_run[g] = dxs_run[g] = 0.0f;
        out.dxs_sum[m] = total;
    }
}

namespace {

// q4_group of quantize_rows_impl.h by hand, operation for operation (the same products,
// roundings and pairwise sums in the same order), so the bytes are identical: the compiler's
// version compared each value with all fifteen midpoints, and quantising took twice as long
// as with the evenly spaced levels. Here a value's level is found by a binary search of four
// steps over two registers of midpoints (levels 0..7 and 8..15).

// Table entry i of a 16-entry table held as two registers; `upper` selects entries 8..15 (the
// search's first step), the low three bits of i the entry within the register.
inline __m256 q4_pick(__m256 lo, __m256 hi, __m256i i, __m256 upper) {
    return _mm256_blendv_ps(_mm256_permutevar8x32_ps(lo, i), _mm256_permutevar8x32_ps(hi, i), upper);
}

// The count of midpoints below each value of t (its level index), and the level itself.
inline __m256i q4_nearest_avx2(__m256 t, __m256* value) {
    const __m256 mid_lo = _mm256_load_ps(kQ4Midpoints.v), mid_hi = _mm256_load_ps(kQ4Midpoints.v + 8);
    const __m256 upper = _mm256_cmp_ps(t, _mm256_set1_ps(kQ4Midpoints.v[7]), _CMP_GT_OQ);
    __m256i idx = _mm256_and_si256(_mm256_castps_si256(upper), _mm256_set1_epi32(8));
    for (int step = 4; step >= 1; step /= 2) {
        const __m256 probe = q4_pick(mid_lo, mid_hi, _mm256_add_epi32(idx, _mm256_set1_epi32(step - 1)), upper);
        const __m256i above = _mm256_castps_si256(_mm256_cmp_ps(t, probe, _CMP_GT_OQ));
        idx = _mm256_add_epi32(idx, _mm256_and_si256(above, _mm256_set1_epi32(step)));
    }
    *value = q4_pick(_mm256_load_ps(kQ4LevelFloats.v), _mm256_load_ps(kQ4LevelFloats.v + 8), idx, upper);
    return idx;
}

// part[j] + part[j + 8], then + 4, + 2, + 1: q_tree_sum's order over the 16 lane partials
// (lanes 0..7 in a, 8..15 in b).
inline float tree_sum16(__m256 a, __m256 b) {
    const __m256 s8 = _mm256_add_ps(a, b);
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

// Four registers of 8 (elements 0..7, 8..15, 16..23, 24..31): lanes j and j + 16 of q4_try's
// partials are registers 0 and 2 for j < 8, 1 and 3 for j >= 8.
inline float q4_try_avx2(const __m256 w[4], float d, __m256i idx[4], __m256 v[4]) {
    const __m256 id = _mm256_set1_ps(d != 0.0f ? 1.0f / d : 0.0f), vd = _mm256_set1_ps(d);
    __m256 part[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int r = 0; r < 4; ++r) {
        idx[r] = q4_nearest_avx2(_mm256_mul_ps(w[r], id), &v[r]);
        const __m256 diff = _mm256_sub_ps(w[r], _mm256_mul_ps(v[r], vd));
        part[r % 2] = _mm256_add_ps(part[r % 2], _mm256_mul_ps(diff, diff));
    }
    return tree_sum16(part[0], part[1]);
}

inline float q4_refit_avx2(const __m256 w[4], const __m256 v[4]) {
    __m256 wv[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()}, vv[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int r = 0; r < 4; ++r) {
        wv[r % 2] = _mm256_add_ps(wv[r % 2], _mm256_mul_ps(w[r], v[r]));
        vv[r % 2] = _mm256_add_ps(vv[r % 2], _mm256_mul_ps(v[r], v[r]));
    }
    const float a = tree_sum16(wv[0], wv[1]), c = tree_sum16(vv[0], vv[1]);
    return c > 0.0f ? a / c : 0.0f;
}

uint16_t q4_group_avx2(const float* src, uint8_t* nibbles) {
    __m256 w[4];
    for (int r = 0; r < 4; ++r) w[r] = _mm256_loadu_ps(src + 8 * r);
    const float amax = q_abs_max(src, kGroup);
    const __m256 sign = _mm256_set1_ps(-0.0f), vmax = _mm256_set1_ps(amax);
    uint32_t hits = 0;
    for (int r = 0; r < 4; ++r)
        hits |= static_cast<uint32_t>(_mm256_movemask_ps(_mm256_cmp_ps(_mm256_andnot_ps(sign, w[r]), vmax, _CMP_EQ_OQ))) << (8 * r);
    const float extreme = hits ? src[__builtin_ctz(hits)] : 0.0f;
    __m256i trial[4], best_idx[4] = {};
    __m256 values[4];
    uint16_t best = 0;
    float best_err = -1.0f;
    auto consider = [&](float d) {
        const uint16_t h = float_to_half_bits(d);
        const float err = q4_try_avx2(w, half_bits_to_float(h), trial, values);
        if (best_err < 0.0f || err < best_err) {
            best_err = err;
            best = h;
            for (int r = 0; r < 4; ++r) best_idx[r] = trial[r];
        }
    };
    for (const float divisor : kQ4Divisors) {
        consider(extreme / divisor);
        const float refit = q4_refit_avx2(w, values);
        if (refit != 0.0f) consider(refit);
    }
    alignas(32) int32_t out[kGroup];
    for (int r = 0; r < 4; ++r) _mm256_store_si256(reinterpret_cast<__m256i*>(out + 8 * r), best_idx[r]);
    for (int e = 0; e < kGroup; ++e) nibbles[e] = static_cast<uint8_t>(out[e]);
    return best;
}

}  // namespace

void quantize_avx2(Format format, const float* src, int64_t rows, int64_t K, int64_t superblocks, uint8_t* data, void* scales) {
    quantize_rows_with(q4_group_avx2, format, src, rows, K, superblocks, data, scales);
}

void dequantize_avx2(const MatrixView& w, int64_t n_begin, int64_t n_end, int64_t K, float* out, int64_t ldo) {
    dequantize_rows_impl(w, n_begin, n_end, K, out, ldo);
}

void rows_avx2(const MatrixView& w, const ActivationView& x, int64_t n_begin, int64_t n_end, float* y, int64_t ldy) {
    if (w.format == Format::Int8) {
        for_each_block<6>(x.rows, n_begin, n_end,
                       [&](auto mb, int64_t n, int64_t m0) { int8_block<decltype(mb)::value>(w, x, n, m0, y, ldy); });
        return;
    }
    for_each_block<6>(x.rows, n_begin, n_end,
                   [&](auto mb, int64_t n, int64_t m0) { q4_block<decltype(mb)::value>(w, x, n, m0, y, ldy); });
}

}  // namespace ibllm::quant::abi

#else  // not x86: never selected (kernel_isa.cpp); these keep the program linkable.

namespace ibllm::quant::abi {
void prepare_avx2(const float* x, int64_t rows, int64_t ldx, int64_t K, int64_t superblocks, const ActivationBuffers& out) {
    prepare_scalar(x, rows, ldx, K, superblocks, out);
}
void rows_avx2(const MatrixView& w, const ActivationView& x, int64_t n_begin, int64_t n_end, float* y, int64_t ldy) {
    rows_scalar(w, x, n_begin, n_end, y, ldy);
}
void dequantize_avx2(const MatrixView& w, int64_t n_begin, int64_t n_end, int64_t K, float* out, int64_t ldo) {
    dequantize_scalar(w, n_begin, n_end, K, out, ldo);
}
void quantize_avx2(Format format, const float* src, int64_t rows, int64_t K, int64_t superblocks, uint8_t* data, void* scales) {
    quantize_scalar(format, src, rows, K, superblocks, data, scales);
}
}  // namespace ibllm::quant::abi

#endif
