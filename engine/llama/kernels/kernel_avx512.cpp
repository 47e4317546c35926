// AVX-512 (F, BW, VL, VNNI) kernels. Built with -mavx512f -mavx512bw -mavx512vl -mavx512vnni
// -mfma -mf16c (kernels.cmake) and only called when the CPU has all of them.
//
// One 512-bit register holds a superblock of 64 int8 activations; VPDPBUSD multiplies it with
// 64 unsigned weight bytes and sums each group of four products into sixteen int32 lanes, lane L
// belonging to group L % 2 (kernel_abi.h). The weights are unsigned (w + 128, or a 4-bit
// level + 64), so the sum carries offset * sum(x), which the per-group S terms take back out.
#include "engine/llama/kernels/kernel_abi.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "engine/llama/kernels/row_blocks_impl.h"

namespace ibllm::quant::abi {

namespace {

// Software prefetch this far ahead in the weight stream. With the hardware prefetcher alone,
// decode reached 70-85% of the memory bandwidth here (2 cores); with this, both formats reach it.
constexpr int64_t kPrefetchBytes = 1024;

inline void prefetch(const uint8_t* p) { _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetchBytes), _MM_HINT_T0); }

// The 4-bit kernel prefetches further ahead: it consumes its bytes faster than the int8 one
// once it takes two superblocks per step. `ibllm-bench kernels --scale 1.3b --formats q4`,
// interleaved: 1024 bytes ahead 85-89% of the read bandwidth, 4096 and 8192 bytes 89-93%
// (int8 was the same at 1024 and 4096).
constexpr int64_t kQ4PrefetchBytes = 4096;

// The pair (a, b) at p as the lane pattern a, b, a, b, ... (one broadcast load).
inline __m512 pair_pattern(const float* p) {
    double d;
    std::memcpy(&d, p, sizeof d);
    return _mm512_castpd_ps(_mm512_set1_pd(d));
}


template <int MB>
void int8_block(const MatrixView& w, const ActivationView& x, int64_t n, int64_t m0, float* y, int64_t ldy) {
    const int64_t S = x.superblocks;
    const uint8_t* wr = w.data + n * w.row_bytes;
    const int8_t* xq[MB];
    const float* dx[MB];
    __m512 acc0[MB], acc1[MB];
    for (int m = 0; m < MB; ++m) {
        xq[m] = x.q + (m0 + m) * S * kSuperblock;
        dx[m] = group_dx(x, m0 + m);
        acc0[m] = _mm512_setzero_ps();
        acc1[m] = _mm512_setzero_ps();
    }
    int64_t s = 0;
    // Two superblocks per iteration: two independent accumulator chains hide the FMA latency.
    for (; s + 2 <= S; s += 2) {
        prefetch(wr + s * kSuperblock);
        prefetch(wr + s * kSuperblock + 64);
        const __m512i w0 = _mm512_loadu_si512(wr + s * kSuperblock);
        const __m512i w1 = _mm512_loadu_si512(wr + (s + 1) * kSuperblock);
        for (int m = 0; m < MB; ++m) {
            const __m512i i0 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), w0, _mm512_loadu_si512(xq[m] + s * kSuperblock));
            const __m512i i1 =
                _mm512_dpbusd_epi32(_mm512_setzero_si512(), w1, _mm512_loadu_si512(xq[m] + (s + 1) * kSuperblock));
            acc0[m] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i0), pair_pattern(dx[m] + 2 * s), acc0[m]);
            acc1[m] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i1), pair_pattern(dx[m] + 2 * (s + 1)), acc1[m]);
        }
    }
    if (s < S) {
        const __m512i w0 = _mm512_loadu_si512(wr + s * kSuperblock);
        for (int m = 0; m < MB; ++m) {
            const __m512i i0 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), w0, _mm512_loadu_si512(xq[m] + s * kSuperblock));
            acc0[m] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i0), pair_pattern(dx[m] + 2 * s), acc0[m]);
        }
    }
    const float scale = w.row_scales[n];
    for (int m = 0; m < MB; ++m) {
        const float dot = _mm512_reduce_add_ps(_mm512_add_ps(acc0[m], acc1[m]));
        y[(m0 + m) * ldy + n] = scale * (dot - static_cast<float>(kInt8Offset) * x.dxs_sum[m0 + m]);
    }
}

// The 4-bit kernel takes two superblocks per step. Their 64 packed bytes, masked, give the
// low nibbles of both (positions 0..31 of each) and, shifted, the high nibbles (32..63), and
// one byte shuffle each turns the nibbles into their levels' unsigned forms (level + 64): two
// registers with no cross-lane shuffle, where the single-superblock form needed a broadcast,
// a variable shift and a mask for every 32 bytes. In both registers lane L carries group L % 2
// of the first superblock for L < 8 and of the second for L >= 8, so both products accumulate
// into one int32 register (VPDPBUSD's own add) and share one scale pattern. The activations
// are rearranged to match, once per call (pair_order_for_q4).
//
// Scales: per 8 superblocks, the 16 weight half scales are converted at once and multiplied by
// the 16 activation scales, giving c = d_w * d_x per group; one permutation per pair of
// superblocks spreads them over the lanes. The levels' offset (+64) is taken out once per row:
// sum over groups of c * 64 * S = 64 * sum(d_w * (d_x * S)), one FMA per 8 superblocks.
// Per superblock that is about 4.5 vector operations instead of 6.25: the kernel is
// compute-bound (a core streamed ~24 GB/s of 4-bit weights from cache before, 28-30 now,
// against ~15 GB/s per core of memory bandwidth).

// The activation bytes in the order of the 4-bit kernel, per row: for each pair of
// superblocks (a, b), 128 bytes [a 0..31, b 0..31, a 32..63, b 32..63]; an odd last superblock
// as it is. Made once per call (K bytes per row); the scales are read where prepare put them.
struct alignas(64) CacheLine {
    int8_t bytes[64];
};

const int8_t* pair_order_for_q4(const ActivationView& x) {
    thread_local std::vector<CacheLine> buf;  // per thread (the kernels run on the region's threads); grows only
    const int64_t S = x.superblocks;
    if (buf.size() < static_cast<size_t>(x.rows * S)) buf.resize(static_cast<size_t>(x.rows * S));
    int8_t* q = buf.data()->bytes;
    for (int64_t m = 0; m < x.rows; ++m) {
        const int8_t* src = x.q + m * S * kSuperblock;
        int8_t* dst = q + m * S * kSuperblock;
        int64_t s = 0;
        for (; s + 2 <= S; s += 2) {
            const __m512i a = _mm512_loadu_si512(src + s * kSuperblock), b = _mm512_loadu_si512(src + (s + 1) * kSuperblock);
            _mm512_store_si512(dst + s * kSuperblock, _mm512_shuffle_i64x2(a, b, _MM_SHUFFLE(1, 0, 1, 0)));
            _mm512_store_si512(dst + (s + 1) * kSuperblock, _mm512_shuffle_i64x2(a, b, _MM_SHUFFLE(3, 2, 3, 2)));
        }
        if (s < S) std::memcpy(dst + s * kSuperblock, src + s * kSuperblock, kSuperblock);
    }
    return q;
}

template <int MB>
void q4_block(const MatrixView& w, const ActivationView& x, const int8_t* pairs, int64_t n, int64_t m0, float* y, int64_t ldy) {
    const int64_t S = x.superblocks;
    const uint8_t* wr = w.data + n * w.row_bytes;
    const uint16_t* scales = w.group_scales + n * S * 2;
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    const __m512i levels = _mm512_broadcast_i32x4(_mm_load_si128(reinterpret_cast<const __m128i*>(kQ4Unsigned.v)));
    // Lanes 0..7 take group pair k of the block's c (c[4k + L % 2]), lanes 8..15 pair k + 1.
    const __m512i spread[4] = {
        _mm512_set_epi32(3, 2, 3, 2, 3, 2, 3, 2, 1, 0, 1, 0, 1, 0, 1, 0),
        _mm512_set_epi32(7, 6, 7, 6, 7, 6, 7, 6, 5, 4, 5, 4, 5, 4, 5, 4),
        _mm512_set_epi32(11, 10, 11, 10, 11, 10, 11, 10, 9, 8, 9, 8, 9, 8, 9, 8),
        _mm512_set_epi32(15, 14, 15, 14, 15, 14, 15, 14, 13, 12, 13, 12, 13, 12, 13, 12)};
    const int8_t* xq[MB];
    const float* dx[MB];
    const float* dxs[MB];
    __m512 acc[MB], corr[MB];
    for (int m = 0; m < MB; ++m) {
        xq[m] = pairs + (m0 + m) * S * kSuperblock;
        dx[m] = group_dx(x, m0 + m);
        dxs[m] = group_dxs(x, m0 + m);
        acc[m] = _mm512_setzero_ps();
        corr[m] = _mm512_setzero_ps();
    }
    for (int64_t s0 = 0; s0 < S; s0 += 8) {
        const int nb = S - s0 >= 8 ? 8 : static_cast<int>(S - s0);
        const __m512 dw = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(static_cast<__mmask16>((1u << (2 * nb)) - 1), scales + 2 * s0));
        __m512 c[MB];
        for (int m = 0; m < MB; ++m) {
            c[m] = _mm512_mul_ps(dw, _mm512_loadu_ps(dx[m] + 2 * s0));
            corr[m] = _mm512_fmadd_ps(dw, _mm512_loadu_ps(dxs[m] + 2 * s0), corr[m]);
        }
        int j = 0;
        for (; j + 2 <= nb; j += 2) {
            const uint8_t* p = wr + (s0 + j) * 32;  // 64 bytes: superblocks s0 + j and s0 + j + 1
            _mm_prefetch(reinterpret_cast<const char*>(p + kQ4PrefetchBytes), _MM_HINT_T0);
            const __m512i v = _mm512_loadu_si512(p);
            const __m512i lo = _mm512_shuffle_epi8(levels, _mm512_and_si512(v, low4));
            const __m512i hi = _mm512_shuffle_epi8(levels, _mm512_and_si512(_mm512_srli_epi16(v, 4), low4));
            for (int m = 0; m < MB; ++m) {
                const int8_t* xp = xq[m] + (s0 + j) * kSuperblock;
                __m512i i = _mm512_dpbusd_epi32(_mm512_setzero_si512(), lo, _mm512_loadu_si512(xp));
                i = _mm512_dpbusd_epi32(i, hi, _mm512_loadu_si512(xp + kSuperblock));
                acc[m] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i), _mm512_permutexvar_ps(spread[j / 2], c[m]), acc[m]);
            }
        }
        if (j < nb) {  // an odd last superblock: one 32-byte broadcast, low half low nibbles, high half high
            const __m512i shift = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(4), 1);
            const __m512i v = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(wr + (s0 + j) * 32)));
            const __m512i z = _mm512_shuffle_epi8(levels, _mm512_and_si512(_mm512_srlv_epi16(v, shift), low4));
            const __m512i pair = _mm512_set_epi32(2 * j + 1, 2 * j, 2 * j + 1, 2 * j, 2 * j + 1, 2 * j, 2 * j + 1, 2 * j,
                                                  2 * j + 1, 2 * j, 2 * j + 1, 2 * j, 2 * j + 1, 2 * j, 2 * j + 1, 2 * j);
            for (int m = 0; m < MB; ++m) {
                const __m512i i = _mm512_dpbusd_epi32(_mm512_setzero_si512(), z, _mm512_loadu_si512(xq[m] + (s0 + j) * kSuperblock));
                acc[m] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i), _mm512_permutexvar_ps(pair, c[m]), acc[m]);
            }
        }
    }
    // Each lane's products carry +64 per level: 64 * d_w * d_x * S per group in total.
    for (int m = 0; m < MB; ++m)
        y[(m0 + m) * ldy + n] = _mm512_reduce_add_ps(_mm512_fmadd_ps(corr[m], _mm512_set1_ps(-static_cast<float>(kQ4Offset)), acc[m]));
}

}  // namespace

// The same bytes and floats as prepare_activations_impl (checked by the tests), by hand:
// the compiler does not vectorise the group-wise max, rounding and lane-order scatter well,
// and this runs once per projection per token.
void prepare_avx512(const float* x, int64_t rows, int64_t ldx, int64_t K, int64_t superblocks,
                    const ActivationBuffers& out) {
    // Dwords of group a (elements 4i..4i+3) go to lane 2i, those of group b to lane 2i + 1.
    const __m512i interleave = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    for (int64_t m = 0; m < rows; ++m) {
        const float* xr = x + m * ldx;
        int8_t* q = out.q + m * superblocks * kSuperblock;
        float* dx_run = out.scales + m * scale_row_floats(superblocks);
        float* dxs_run = dx_run + scale_run(superblocks);
        float total = 0.0f;
        for (int64_t s = 0; s < superblocks; ++s) {
            const int64_t k0 = s * kSuperblock;
            __m512 v[4];
            for (int c = 0; c < 4; ++c) {
                const int64_t left = K - (k0 + 16 * c);
                const __mmask16 mask = left >= 16 ? static_cast<__mmask16>(0xFFFF)
                                                  : static_cast<__mmask16>(left > 0 ? (1u << left) - 1 : 0);
                v[c] = _mm512_maskz_loadu_ps(mask, xr + k0 + 16 * c);
            }
            float dx[2], sum_dx[2];
            __m256i bytes[2];
            int32_t S[2];
            for (int g = 0; g < 2; ++g) {
                const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v[2 * g]), _mm512_abs_ps(v[2 * g + 1])));
                dx[g] = amax / 127.0f;
                const __m512 id = _mm512_set1_ps(amax > 0.0f ? 127.0f / amax : 0.0f);
                // Round half to even (the default MXCSR mode), then narrow with saturation.
                const __m512i q0 = _mm512_cvtps_epi32(_mm512_mul_ps(v[2 * g], id));
                const __m512i q1 = _mm512_cvtps_epi32(_mm512_mul_ps(v[2 * g + 1], id));
                S[g] = _mm512_reduce_add_epi32(_mm512_add_epi32(q0, q1));
                bytes[g] = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm512_cvtsepi32_epi8(q0)), _mm512_cvtsepi32_epi8(q1), 1);
            }
            const __m512i zq = _mm512_permutex2var_epi32(_mm512_castsi256_si512(bytes[0]), interleave, _mm512_castsi256_si512(bytes[1]));
            _mm512_storeu_si512(q + s * kSuperblock, zq);
            for (int g = 0; g < 2; ++g) {
                sum_dx[g] = dx[g] * static_cast<float>(S[g]);
                dx_run[2 * s + g] = dx[g];
                dxs_run[2 * s + g] = sum_dx[g];
                total += sum_dx[g];
            }
        }
        for (int64_t g = 2 * superblocks; g < scale_run(superblocks); ++g) dx_run[g] = dxs_run[g] = 0.0f;
        out.dxs_sum[m] = total;
    }
}

namespace {

// The weight quantiser of quantize_rows_impl.h by hand, operation for operation (the same
// products, roundings, clamps and pairwise sums), so the bytes are identical; the compiler's
// own vectorisation of it was ten times slower.
inline __mmask16 first_n(int64_t n) {
    return n >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>(n > 0 ? (1u << n) - 1 : 0);
}

// part[j] + part[j + 8], then + 4, + 2, + 1: q_tree_sum's order.
inline float tree_sum(__m512 v) {
    __m256 a = _mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    __m128 b = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    b = _mm_add_ps(b, _mm_movehl_ps(b, b));
    b = _mm_add_ss(b, _mm_shuffle_ps(b, b, 1));
    return _mm_cvtss_f32(b);
}

inline __m512 round_clamp(__m512 v, float lo, float hi) {
    const __m512 r = _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    return _mm512_min_ps(_mm512_max_ps(r, _mm512_set1_ps(lo)), _mm512_set1_ps(hi));
}

// The level index of each of t's values: the number of midpoints below it (kQ4Midpoints), by a
// binary search of four steps (the midpoints ascend), the same count as the reference's.
inline __m512i q4_nearest(__m512 t) {
    const __m512 mids = _mm512_load_ps(kQ4Midpoints.v);
    __m512i idx = _mm512_setzero_si512();
    for (int step = 8; step >= 1; step /= 2) {
        const __m512 probe = _mm512_permutexvar_ps(_mm512_add_epi32(idx, _mm512_set1_epi32(step - 1)), mids);
        idx = _mm512_mask_add_epi32(idx, _mm512_cmp_ps_mask(t, probe, _CMP_GT_OQ), idx, _mm512_set1_epi32(step));
    }
    return idx;
}

inline __m512 q4_level_values(__m512i idx) { return _mm512_permutexvar_ps(idx, _mm512_load_ps(kQ4LevelFloats.v)); }

// Returns the squared error of quantising w (two registers) with scale d; idx receives the
// level indices.
inline float q4_try_avx512(const __m512 w[2], float d, __m512i idx[2]) {
    const __m512 id = _mm512_set1_ps(d != 0.0f ? 1.0f / d : 0.0f), vd = _mm512_set1_ps(d);
    __m512 part = _mm512_setzero_ps();
    for (int h = 0; h < 2; ++h) {
        idx[h] = q4_nearest(_mm512_mul_ps(w[h], id));
        const __m512 diff = _mm512_sub_ps(w[h], _mm512_mul_ps(q4_level_values(idx[h]), vd));
        part = _mm512_add_ps(part, _mm512_mul_ps(diff, diff));
    }
    return tree_sum(part);
}

inline float q4_refit_avx512(const __m512 w[2], const __m512i idx[2]) {
    __m512 wv = _mm512_setzero_ps(), vv = _mm512_setzero_ps();
    for (int h = 0; h < 2; ++h) {
        const __m512 v = q4_level_values(idx[h]);
        wv = _mm512_add_ps(wv, _mm512_mul_ps(w[h], v));
        vv = _mm512_add_ps(vv, _mm512_mul_ps(v, v));
    }
    const float a = tree_sum(wv), c = tree_sum(vv);
    return c > 0.0f ? a / c : 0.0f;
}

// One group of 32 (zero-padded) -> 16 bytes of level indices in natural order, and its half
// scale.
inline uint16_t q4_group_avx512(const float* src, int64_t n, __m128i levels[2]) {
    __m512 w[2] = {_mm512_maskz_loadu_ps(first_n(n), src), _mm512_maskz_loadu_ps(first_n(n - 16), src + 16)};
    const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(w[0]), _mm512_abs_ps(w[1])));
    const __m512 vmax = _mm512_set1_ps(amax);
    const uint32_t hits = static_cast<uint32_t>(_mm512_cmp_ps_mask(_mm512_abs_ps(w[0]), vmax, _CMP_EQ_OQ)) |
                          (static_cast<uint32_t>(_mm512_cmp_ps_mask(_mm512_abs_ps(w[1]), vmax, _CMP_EQ_OQ)) << 16);
    float extreme = 0.0f;
    if (hits) {
        const int e = __builtin_ctz(hits);
        extreme = src[e];
    }
    __m512i trial[2], best_idx[2] = {_mm512_setzero_si512(), _mm512_setzero_si512()};
    uint16_t best = 0;
    float best_err = -1.0f;
    auto consider = [&](float d) {
        const uint16_t h = float_to_half_bits(d);
        const float err = q4_try_avx512(w, half_bits_to_float(h), trial);
        if (best_err < 0.0f || err < best_err) {
            best_err = err;
            best = h;
            best_idx[0] = trial[0];
            best_idx[1] = trial[1];
        }
    };
    for (const float divisor : kQ4Divisors) {
        consider(extreme / divisor);
        const float refit = q4_refit_avx512(w, trial);
        if (refit != 0.0f) consider(refit);
    }
    for (int h = 0; h < 2; ++h) levels[h] = _mm512_cvtepi32_epi8(best_idx[h]);
    return best;
}

// Natural-order bytes of groups a and b (32 each) -> one lane-order superblock (kernel_abi.h).
inline __m512i to_lane_order(__m256i a, __m256i b) {
    const __m512i interleave = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    return _mm512_permutex2var_epi32(_mm512_castsi256_si512(a), interleave, _mm512_castsi256_si512(b));
}

void quantize_q4_row_avx512(const float* row, int64_t K, int64_t superblocks, uint8_t* out, uint16_t* scales) {
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    for (int64_t s = 0; s < superblocks; ++s) {
        __m256i group[2];
        for (int g = 0; g < 2; ++g) {
            const int64_t k0 = s * kSuperblock + g * kGroup;
            __m128i levels[2];
            if (k0 < K) {
                scales[2 * s + g] = q4_group_avx512(row + k0, K - k0, levels);
            } else {
                scales[2 * s + g] = 0;
                levels[0] = levels[1] = _mm_setzero_si128();  // scale 0: any level is zero
            }
            group[g] = _mm256_inserti128_si256(_mm256_castsi128_si256(levels[0]), levels[1], 1);
        }
        const __m512i lanes = to_lane_order(group[0], group[1]);
        // Byte p: position p in the low nibble, position 32 + p in the high one.
        const __m256i lo = _mm512_castsi512_si256(lanes), hi = _mm512_extracti64x4_epi64(lanes, 1);
        const __m256i packed = _mm256_or_si256(_mm256_and_si256(lo, low4), _mm256_slli_epi16(_mm256_and_si256(hi, low4), 4));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + s * 32), packed);
    }
}

void quantize_int8_row_avx512(const float* row, int64_t K, int64_t superblocks, uint8_t* out, float* scale) {
    __m512 m = _mm512_setzero_ps();
    for (int64_t k = 0; k < K; k += 16) m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_maskz_loadu_ps(first_n(K - k), row + k)));
    const float amax = _mm512_reduce_max_ps(m);
    const __m512 id = _mm512_set1_ps(amax > 0.0f ? 127.0f / amax : 0.0f);
    const __m512i offset = _mm512_set1_epi32(kInt8Offset);
    for (int64_t s = 0; s < superblocks; ++s) {
        __m128i bytes[4];
        for (int c = 0; c < 4; ++c) {
            const int64_t k = s * kSuperblock + 16 * c;
            const __m512 v = round_clamp(_mm512_mul_ps(_mm512_maskz_loadu_ps(first_n(K - k), row + k), id), -127.0f, 127.0f);
            bytes[c] = _mm512_cvtepi32_epi8(_mm512_add_epi32(_mm512_cvtps_epi32(v), offset));
        }
        const __m256i a = _mm256_inserti128_si256(_mm256_castsi128_si256(bytes[0]), bytes[1], 1);
        const __m256i b = _mm256_inserti128_si256(_mm256_castsi128_si256(bytes[2]), bytes[3], 1);
        _mm512_storeu_si512(out + s * kSuperblock, to_lane_order(a, b));
    }
    *scale = amax / 127.0f;
}

}  // namespace

void quantize_avx512(Format format, const float* src, int64_t rows, int64_t K, int64_t superblocks, uint8_t* data, void* scales) {
    for (int64_t r = 0; r < rows; ++r) {
        const float* row = src + r * K;
        if (format == Format::Int8)
            quantize_int8_row_avx512(row, K, superblocks, data + r * superblocks * kSuperblock, static_cast<float*>(scales) + r);
        else
            quantize_q4_row_avx512(row, K, superblocks, data + r * superblocks * (kSuperblock / 2),
                                   static_cast<uint16_t*>(scales) + r * superblocks * 2);
    }
}

// dequantize_rows_impl.h by hand (the prefill path dequantises every weight once per call):
// lane order back to natural order with one dword permutation, then (q - offset) * d, where a
// 4-bit q is its level's unsigned form.
void dequantize_avx512(const MatrixView& w, int64_t n_begin, int64_t n_end, int64_t K, float* out, int64_t ldo) {
    const __m512i natural = _mm512_set_epi32(15, 13, 11, 9, 7, 5, 3, 1, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i shift = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(4), 1);
    const __m512i low4 = _mm512_set1_epi8(0x0F);
    const __m512i levels = _mm512_broadcast_i32x4(_mm_load_si128(reinterpret_cast<const __m128i*>(kQ4Unsigned.v)));
    const bool int8 = w.format == Format::Int8;
    const __m512i offset = _mm512_set1_epi32(int8 ? kInt8Offset : kQ4Offset);
    for (int64_t n = n_begin; n < n_end; ++n) {
        const uint8_t* row = w.data + n * w.row_bytes;
        float* dst = out + (n - n_begin) * ldo;
        for (int64_t s = 0; s < w.superblocks; ++s) {
            __m512i z;
            __m512 d[2];
            if (int8) {
                z = _mm512_loadu_si512(row + s * kSuperblock);
                d[0] = d[1] = _mm512_set1_ps(w.row_scales[n]);
            } else {
                const __m512i v = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + s * 32)));
                z = _mm512_shuffle_epi8(levels, _mm512_and_si512(_mm512_srlv_epi16(v, shift), low4));
                const uint16_t* h = w.group_scales + n * w.superblocks * 2 + 2 * s;
                d[0] = _mm512_set1_ps(half_bits_to_float(h[0]));
                d[1] = _mm512_set1_ps(half_bits_to_float(h[1]));
            }
            z = _mm512_permutexvar_epi32(natural, z);
            for (int c = 0; c < 4; ++c) {
                const int64_t k = s * kSuperblock + 16 * c;
                if (k >= K) break;
                __m128i bytes;
                switch (c) {
                    case 0: bytes = _mm512_extracti32x4_epi32(z, 0); break;
                    case 1: bytes = _mm512_extracti32x4_epi32(z, 1); break;
                    case 2: bytes = _mm512_extracti32x4_epi32(z, 2); break;
                    default: bytes = _mm512_extracti32x4_epi32(z, 3); break;
                }
                const __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_cvtepu8_epi32(bytes), offset)), d[c / 2]);
                _mm512_mask_storeu_ps(dst + k, first_n(K - k), v);
            }
        }
    }
}

void rows_avx512(const MatrixView& w, const ActivationView& x, int64_t n_begin, int64_t n_end, float* y, int64_t ldy) {
    if (w.format == Format::Int8) {
        for_each_block<4>(x.rows, n_begin, n_end, [&](auto mb, int64_t n, int64_t m0) { int8_block<decltype(mb)::value>(w, x, n, m0, y, ldy); });
        return;
    }
    const int8_t* pairs = pair_order_for_q4(x);
    for_each_block<4>(x.rows, n_begin, n_end,
                   [&](auto mb, int64_t n, int64_t m0) { q4_block<decltype(mb)::value>(w, x, pairs, n, m0, y, ldy); });
}

}  // namespace ibllm::quant::abi

#else  // not x86: never selected (kernel_isa.cpp); these keep the program linkable.

namespace ibllm::quant::abi {
void prepare_avx512(const float* x, int64_t rows, int64_t ldx, int64_t K, int64_t superblocks, const ActivationBuffers& out) {
    prepare_scalar(x, rows, ldx, K, superblocks, out);
}
void rows_avx512(const MatrixView& w, const ActivationView& x, int64_t n_begin, int64_t n_end, float* y, int64_t ldy) {
    rows_scalar(w, x, n_begin, n_end, y, ldy);
}
void dequantize_avx512(const MatrixView& w, int64_t n_begin, int64_t n_end, int64_t K, float* out, int64_t ldo) {
    dequantize_scalar(w, n_begin, n_end, K, out, ldo);
}
void quantize_avx512(Format format, const float* src, int64_t rows, int64_t K, int64_t superblocks, uint8_t* data, void* scales) {
    quantize_scalar(format, src, rows, K, superblocks, data, scales);
}
}  // namespace ibllm::quant::abi

#endif
