#pragma once
// The plain-data contract between the dispatcher (quantized_linear.cpp) and the kernels, one
// translation unit per instruction set (kernel_scalar.cpp, kernel_avx2.cpp, kernel_avx512.cpp).
//
// The kernel files are compiled with -mavx2 / -mavx512* and must not share any inline
// function with the rest of the program: the linker keeps ONE copy of an inline function, and
// if that copy came from the AVX-512 file, an AVX2-only CPU would die on an illegal
// instruction. So this header holds only POD structs, declarations and `static` helpers.
//
// Layout (see quantized_matrix.h for the formats): K is padded to a multiple of 64 (a
// "superblock" = two 32-element groups). Inside a superblock the 64 values are stored in
// "lane order": a 512-bit register holds sixteen 4-byte lanes, and lane L carries group L % 2.
// Weight bytes and activation bytes use the same order, so a dot product of the two registers
// never needs a shuffle, and a group's scale pair (a, b) becomes the lane pattern a,b,a,b,...
// with one 64-bit broadcast.
#include <cstddef>
#include <cstdint>

namespace ibllm::quant::abi {

constexpr int64_t kGroup = 32;       // activation group, and the 4-bit weight group
constexpr int64_t kSuperblock = 64;  // two groups: one 512-bit register of int8 values
constexpr int kInt8Offset = 128;     // int8 weights are stored as w + 128 (unsigned bytes)

// The 4-bit format's sixteen levels (a weight is d * level for its group's half scale d), in
// units of 1/64 of the group's largest weight, which maps to -64 (or, with another scale
// candidate, near it). Not evenly spaced: chosen from measurement, as the Lloyd-Max levels of
// groups of 32 gaussian and Student-t(5) weights scaled so that their largest maps to -1 (the
// mean of the two sets, on the 1/64 grid). With the same 4.5 bits per weight and the same
// scale search they give 9% less RMS error than the evenly spaced levels -8..7 on gaussian
// weights, 15% on heavy-tailed ones (trained weights are nearer the second). The kernels look
// a nibble up in a 16-byte table (one byte shuffle) and multiply level + 64, unsigned and at
// most 121, so VPMADDUBSW's pair sums (2 * 121 * 127) stay within int16.
static constexpr int8_t kQ4Levels[16] = {-64, -51, -40, -31, -23, -16, -10, -3, 3, 9, 15, 22, 29, 37, 46, 57};
constexpr int kQ4Offset = 64;  // the kernels' unsigned form of a level: level + 64 in [0, 121]

enum class Format : int { Int8 = 0, Q4 = 1 };

// A nibble's level.
static inline int q4_level(int nibble) { return kQ4Levels[nibble & 0x0F]; }

// The levels' unsigned forms (level + kQ4Offset), the table the vector kernels shuffle with.
struct Q4UnsignedLevels {
    alignas(16) uint8_t v[16];
};
static constexpr Q4UnsignedLevels q4_unsigned_levels() {
    Q4UnsignedLevels t{};
    for (int i = 0; i < 16; ++i) t.v[i] = static_cast<uint8_t>(kQ4Levels[i] + kQ4Offset);
    return t;
}
static constexpr Q4UnsignedLevels kQ4Unsigned = q4_unsigned_levels();

// The levels as floats, and the midpoints between neighbouring levels: a value's level is the
// number of midpoints below it (a value on a midpoint takes the lower level). Sixteen floats
// each, 64-byte aligned, so that the vector quantisers load them whole; the 16th midpoint is
// padding, never compared with. Exact in float (integers and halves of integers).
struct alignas(64) Q4FloatTable {
    float v[16];
};
static constexpr Q4FloatTable q4_level_floats() {
    Q4FloatTable t{};
    for (int k = 0; k < 16; ++k) t.v[k] = static_cast<float>(kQ4Levels[k]);
    return t;
}
static constexpr Q4FloatTable q4_midpoints() {
    Q4FloatTable t{};
    for (int k = 0; k < 15; ++k) t.v[k] = 0.5f * static_cast<float>(kQ4Levels[k] + kQ4Levels[k + 1]);
    return t;
}
static constexpr Q4FloatTable kQ4LevelFloats = q4_level_floats();
static constexpr Q4FloatTable kQ4Midpoints = q4_midpoints();

// The scale candidates: the weight of largest magnitude divided by each, so that it maps to the
// lowest level (-64) or a little inside it. Each is followed by one least-squares refit, and
// the candidate of least squared error wins. Four rather than one: 9% instead of 6% less RMS
// error than the evenly spaced levels on gaussian weights (15% instead of 13% on Student-t(5)).
static constexpr float kQ4Divisors[4] = {-64.0f, -67.5f, -71.0f, -61.0f};

// Position in lane order of element `e` (0..31) of group `g` (0/1) of a superblock.
// Lane order: position zp = 32 h + 4 L + j with half h, lane L (0..7), byte j; group = L % 2;
// element e = 16 h + 4 (L / 2) + j. For 4-bit weights, byte p of a superblock's 32 bytes holds
// position p in its low nibble and position 32 + p in its high nibble.
static constexpr int lane_position(int g, int e) {
    return 32 * (e / 16) + 4 * (2 * ((e % 16) / 4) + g) + (e % 4);
}

// IEEE half bits to float, portable (normal, subnormal, zero, inf, NaN).
static inline float half_bits_to_float(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1Fu;
    uint32_t mant = h & 0x3FFu;
    uint32_t bits;
    if (exp == 0x1F) {
        bits = sign | 0x7F800000u | (mant << 13);
    } else if (exp != 0) {
        bits = sign | ((exp + 112) << 23) | (mant << 13);
    } else if (mant == 0) {
        bits = sign;
    } else {  // subnormal: normalise
        exp = 113;
        while ((mant & 0x400u) == 0) {
            mant <<= 1;
            --exp;
        }
        bits = sign | (exp << 23) | ((mant & 0x3FFu) << 13);
    }
    float f;
    __builtin_memcpy(&f, &bits, sizeof f);
    return f;
}

// Float to IEEE half bits, rounding to nearest even (overflow to inf, subnormals kept).
static inline uint16_t float_to_half_bits(float f) {
    uint32_t x;
    __builtin_memcpy(&x, &f, sizeof x);
    const uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t a = x & 0x7FFFFFFFu;
    if (a >= 0x47800000u) return static_cast<uint16_t>(sign | (a > 0x7F800000u ? 0x7E00u : 0x7C00u));  // NaN / inf
    if (a < 0x38800000u) {  // below 2^-14: a subnormal half, round(|f| * 2^24)
        float fa;
        __builtin_memcpy(&fa, &a, sizeof fa);
        const float m = (fa * 16777216.0f + 12582912.0f) - 12582912.0f;
        return static_cast<uint16_t>(sign | static_cast<uint32_t>(m));
    }
    a += 0xFFFu + ((a >> 13) & 1u);  // round half to even on the 13 dropped bits
    return static_cast<uint16_t>(sign | ((a - 0x38000000u) >> 13));
}

struct MatrixView {
    Format format;
    int64_t rows;           // N, output features
    int64_t superblocks;    // padded K / 64
    const uint8_t* data;    // rows x row_bytes
    int64_t row_bytes;      // Int8: padded K; Q4: padded K / 2
    const float* row_scales;     // Int8: [rows]
    const uint16_t* group_scales;  // Q4: [rows][padded K / 32], IEEE half
};

// An activation row's group scales: dx of every group (two per superblock, in order), then
// dx * S of every group, where S is the sum of the group's int8 values (it removes the
// unsigned weight offsets). Each run is zero-padded to a multiple of 16 groups, so that a
// kernel can take the scales of 8 superblocks with one 512-bit load.
static constexpr int64_t scale_run(int64_t superblocks) { return (2 * superblocks + 15) / 16 * 16; }
static constexpr int64_t scale_row_floats(int64_t superblocks) { return 2 * scale_run(superblocks); }

// Activations quantised to int8 per group of 32 (dx = max|x| / 127), in lane order.
struct ActivationView {
    int64_t rows;          // M
    int64_t superblocks;   // padded K / 64
    const int8_t* q;       // rows x (superblocks * 64), lane order
    const float* scales;   // rows x scale_row_floats(superblocks): dx run, then dx * S run
    const float* dxs_sum;  // rows: sum over all groups of dx * S
};

// Row m's dx run and dx * S run.
static inline const float* group_dx(const ActivationView& x, int64_t m) { return x.scales + m * scale_row_floats(x.superblocks); }
static inline const float* group_dxs(const ActivationView& x, int64_t m) { return group_dx(x, m) + scale_run(x.superblocks); }

// Quantises `rows` rows of `x` (row stride ldx, K valid columns) into the buffers behind `out`
// (q: rows x superblocks*64, scales: rows x scale_row_floats(superblocks), dxs_sum: rows).
// Every instruction set gives bit-identical results (round half to even, same float operations).
struct ActivationBuffers {
    int8_t* q;
    float* scales;
    float* dxs_sum;
};
using PrepareFn = void (*)(const float* x, int64_t rows, int64_t ldx, int64_t K, int64_t superblocks,
                           const ActivationBuffers& out);

// y[m * ldy + n] = sum_k W[n, k] x[m, k] for every activation row m and n in [n_begin, n_end).
using RowsFn = void (*)(const MatrixView& w, const ActivationView& x, int64_t n_begin, int64_t n_end, float* y,
                        int64_t ldy);

// Quantises `rows` float rows (K values each, contiguous) into the layout of MatrixView:
// data rows of superblocks*64 (Int8) or superblocks*32 (Q4) bytes, and their scales (float per
// row, or two IEEE halves per superblock).
using QuantizeFn = void (*)(Format format, const float* src, int64_t rows, int64_t K, int64_t superblocks, uint8_t* data,
                            void* scales);

// Rows [n_begin, n_end) of W as float32 in natural order: K values per row, row stride ldo.
using DequantizeFn = void (*)(const MatrixView& w, int64_t n_begin, int64_t n_end, int64_t K, float* out, int64_t ldo);

// bf16 weights (the exact path's decode): W is N x K bfloat16 as raw bits, row stride ld.
struct Bf16MatrixView {
    const uint16_t* data;
    int64_t rows, cols, ld;
};
// y[m * ldy + n] = sum_k W[n, k] x[m * ldx + k] for the M rows of x and n in [n_begin, n_end),
// the products and sums in float32 (x is not rounded to bf16).
using Bf16RowsFn = void (*)(const Bf16MatrixView& w, const float* x, int64_t M, int64_t ldx, int64_t n_begin,
                            int64_t n_end, float* y, int64_t ldy);

// The same product for many rows of x (prefill), compute-bound: a panel of kBf16PanelRows
// weight rows by kBf16PanelCols columns is widened to float32 once into `panel` (the caller's
// per-thread scratch, 64-byte aligned) and multiplied by tiles of x rows from the cache.
// [n_begin, n_end) should be whole panels but for the matrix's last rows (a partial panel
// costs a whole one).
// K must be a multiple of 8 and x readable to there (the caller pads it otherwise).
constexpr int64_t kBf16PanelRows = 16;
constexpr int64_t kBf16PanelCols = 256;
using Bf16GemmFn = void (*)(const Bf16MatrixView& w, const float* x, int64_t M, int64_t ldx, int64_t n_begin,
                            int64_t n_end, float* y, int64_t ldy, float* panel);
void bf16_gemm_scalar(const Bf16MatrixView&, const float*, int64_t, int64_t, int64_t, int64_t, float*, int64_t, float*);
void bf16_gemm_avx2(const Bf16MatrixView&, const float*, int64_t, int64_t, int64_t, int64_t, float*, int64_t, float*);

void bf16_rows_scalar(const Bf16MatrixView&, const float*, int64_t, int64_t, int64_t, int64_t, float*, int64_t);
void bf16_rows_avx2(const Bf16MatrixView&, const float*, int64_t, int64_t, int64_t, int64_t, float*, int64_t);
void bf16_rows_avx512(const Bf16MatrixView&, const float*, int64_t, int64_t, int64_t, int64_t, float*, int64_t);

void prepare_scalar(const float*, int64_t, int64_t, int64_t, int64_t, const ActivationBuffers&);
void rows_scalar(const MatrixView&, const ActivationView&, int64_t, int64_t, float*, int64_t);
void dequantize_scalar(const MatrixView&, int64_t, int64_t, int64_t, float*, int64_t);
void quantize_scalar(Format, const float*, int64_t, int64_t, int64_t, uint8_t*, void*);
void prepare_avx2(const float*, int64_t, int64_t, int64_t, int64_t, const ActivationBuffers&);
void rows_avx2(const MatrixView&, const ActivationView&, int64_t, int64_t, float*, int64_t);
void dequantize_avx2(const MatrixView&, int64_t, int64_t, int64_t, float*, int64_t);
void quantize_avx2(Format, const float*, int64_t, int64_t, int64_t, uint8_t*, void*);
void prepare_avx512(const float*, int64_t, int64_t, int64_t, int64_t, const ActivationBuffers&);
void rows_avx512(const MatrixView&, const ActivationView&, int64_t, int64_t, float*, int64_t);
void dequantize_avx512(const MatrixView&, int64_t, int64_t, int64_t, float*, int64_t);
void quantize_avx512(Format, const float*, int64_t, int64_t, int64_t, uint8_t*, void*);

}  // namespace ibllm::quant::abi
