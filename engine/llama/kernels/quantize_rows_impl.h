#pragma once
// Weight quantisation of float rows into the kernels' layout, included by each kernel_*.cpp
// (like prepare_activations_impl.h) so that it is vectorised for the running CPU: a 7B model
// has 6.5 billion weights to quantise at load. The loops run over fixed widths with per-lane
// partial results combined in a fixed order, and the files are built with -ffp-contract=off,
// so every instruction set produces the same bytes (checked by the tests).
#include "engine/llama/kernels/kernel_abi.h"

namespace ibllm::quant::abi {
namespace {

constexpr int kQuantLanes = 16;
constexpr float kQuantRoundMagic = 12582912.0f;  // 1.5 * 2^23: round half to even, |v| < 2^22

inline float q_round(float v) { return (v + kQuantRoundMagic) - kQuantRoundMagic; }
inline float q_clamp(float v, float lo, float hi) { return v > hi ? hi : (v < lo ? lo : v); }

// Pairwise sums and maxima of the 16 lane partials: a fixed order (the same on every machine)
// and 4 dependent steps instead of 15.
inline float q_tree_sum(float* part) {
    for (int width = kQuantLanes / 2; width >= 1; width /= 2)
        for (int j = 0; j < width; ++j) part[j] += part[j + width];
    return part[0];
}
inline float q_tree_max(float* part) {
    for (int width = kQuantLanes / 2; width >= 1; width /= 2)
        for (int j = 0; j < width; ++j) part[j] = part[j + width] > part[j] ? part[j + width] : part[j];
    return part[0];
}

float q_abs_max(const float* v, int64_t n) {
    float part[kQuantLanes] = {};
    int64_t k = 0;
    for (; k + kQuantLanes <= n; k += kQuantLanes)
        for (int j = 0; j < kQuantLanes; ++j) {
            const float a = __builtin_fabsf(v[k + j]);
            part[j] = a > part[j] ? a : part[j];
        }
    for (; k < n; ++k) {
        const float a = __builtin_fabsf(v[k]);
        part[0] = a > part[0] ? a : part[0];
    }
    return q_tree_max(part);
}

// Natural-order bytes of one superblock -> lane order (runs of four stay together).
void q_store_lane_order(const uint8_t* natural, uint8_t* out) {
    for (int g = 0; g < 2; ++g)
        for (int e = 0; e < kGroup; e += 4) __builtin_memcpy(out + lane_position(g, e), natural + g * kGroup + e, 4);
}

void quantize_int8_row_impl(const float* row, int64_t K, int64_t superblocks, uint8_t* out, float* scale) {
    const float amax = q_abs_max(row, K);
    const float id = amax > 0.0f ? 127.0f / amax : 0.0f;
    for (int64_t s = 0; s < superblocks; ++s) {
        float v[kSuperblock];
        for (int e = 0; e < kSuperblock; ++e) v[e] = s * kSuperblock + e < K ? row[s * kSuperblock + e] : 0.0f;
        uint8_t natural[kSuperblock];
        for (int e = 0; e < kSuperblock; ++e)
            natural[e] = static_cast<uint8_t>(static_cast<int>(q_clamp(q_round(v[e] * id), -127.0f, 127.0f)) + kInt8Offset);
        q_store_lane_order(natural, out + s * kSuperblock);
    }
    *scale = amax / 127.0f;
}

// One 4-bit group with scale d: each weight takes the level nearest w / d; returns the squared
// error, and the level indices in `idx`. The midpoints are the outer loop so that the
// comparisons run over the group's 32 values at once (vectorised; the other order took four
// times as long to quantise a model with AVX2).
float q4_try(const float* w, float d, uint8_t* idx) {
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    float t[kGroup];
    int32_t c[kGroup];
    for (int e = 0; e < kGroup; ++e) {
        t[e] = w[e] * id;
        c[e] = 0;
    }
    for (int k = 0; k < 15; ++k)
        for (int e = 0; e < kGroup; ++e) c[e] += t[e] > kQ4Midpoints.v[k] ? 1 : 0;
    float part[kQuantLanes] = {};
    for (int b = 0; b < kGroup; b += kQuantLanes)
        for (int j = 0; j < kQuantLanes; ++j) {
            idx[b + j] = static_cast<uint8_t>(c[b + j]);
            const float diff = w[b + j] - kQ4LevelFloats.v[c[b + j]] * d;
            part[j] += diff * diff;
        }
    return q_tree_sum(part);
}

// Least-squares scale for fixed levels: sum(w v) / sum(v v); 0 when every level is zero.
float q4_refit(const float* w, const uint8_t* idx) {
    float wv[kQuantLanes] = {}, vv[kQuantLanes] = {};
    for (int b = 0; b < kGroup; b += kQuantLanes)
        for (int j = 0; j < kQuantLanes; ++j) {
            const float v = kQ4LevelFloats.v[idx[b + j]];
            wv[j] += w[b + j] * v;
            vv[j] += v * v;
        }
    const float a = q_tree_sum(wv), c = q_tree_sum(vv);
    return c > 0.0f ? a / c : 0.0f;
}

// A group's half scale and level indices. Each candidate is rounded to half first, so the
// levels and the stored scale agree exactly. (Unused where a kernel file has its own copy.)
[[maybe_unused]] uint16_t q4_group(const float* w, uint8_t* nibbles) {
    const float amax = q_abs_max(w, kGroup);
    float extreme = 0.0f;  // the first weight of largest magnitude, with its sign
    for (int e = 0; e < kGroup; ++e)
        if (__builtin_fabsf(w[e]) == amax) {
            extreme = w[e];
            break;
        }
    uint8_t trial[kGroup];
    uint16_t best = 0;
    float best_err = -1.0f;
    for (int e = 0; e < kGroup; ++e) nibbles[e] = 0;
    auto consider = [&](float d) {
        const uint16_t h = float_to_half_bits(d);
        const float err = q4_try(w, half_bits_to_float(h), trial);
        if (best_err < 0.0f || err < best_err) {
            best_err = err;
            best = h;
            for (int e = 0; e < kGroup; ++e) nibbles[e] = trial[e];
        }
    };
    for (const float divisor : kQ4Divisors) {
        consider(extreme / divisor);
        const float refit = q4_refit(w, trial);
        if (refit != 0.0f) consider(refit);
    }
    return best;
}

// One row with `group` (q4_group, or an instruction set's copy of it with the same results).
template <class Group>
void quantize_q4_row_with(Group group, const float* row, int64_t K, int64_t superblocks, uint8_t* out, uint16_t* scales) {
    for (int64_t s = 0; s < superblocks; ++s) {
        uint8_t natural[kSuperblock], lanes[kSuperblock];
        for (int g = 0; g < 2; ++g) {
            const int64_t k0 = s * kSuperblock + g * kGroup;
            float w[kGroup];
            for (int e = 0; e < kGroup; ++e) w[e] = k0 + e < K ? row[k0 + e] : 0.0f;
            scales[2 * s + g] = k0 < K ? group(w, natural + g * kGroup) : 0;
            if (k0 >= K)
                for (int e = 0; e < kGroup; ++e) natural[g * kGroup + e] = 0;  // scale 0: any level is zero
        }
        q_store_lane_order(natural, lanes);
        // Byte p: position p in the low nibble, position 32 + p in the high one.
        for (int p = 0; p < 32; ++p) out[s * 32 + p] = static_cast<uint8_t>(lanes[p] | (lanes[32 + p] << 4));
    }
}

template <class Group>
void quantize_rows_with(Group q4_group_fn, Format format, const float* src, int64_t rows, int64_t K, int64_t superblocks,
                        uint8_t* data, void* scales) {
    for (int64_t r = 0; r < rows; ++r) {
        const float* row = src + r * K;
        if (format == Format::Int8)
            quantize_int8_row_impl(row, K, superblocks, data + r * superblocks * kSuperblock, static_cast<float*>(scales) + r);
        else
            quantize_q4_row_with(q4_group_fn, row, K, superblocks, data + r * superblocks * (kSuperblock / 2),
                                 static_cast<uint16_t*>(scales) + r * superblocks * 2);
    }
}

}  // namespace
}  // namespace ibllm::quant::abi
