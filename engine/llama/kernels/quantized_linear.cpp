#include "engine/llama/kernels/quantized_linear.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include "engine/error.h"
#include "engine/llama/kernels/compute_paths.h"
#include "engine/llama/kernels/kernel_abi.h"
#include "engine/llama/kernels/kernel_table.h"
#include "engine/llama/kernels/parallel_rows.h"

namespace ibllm::quant {

namespace {

// A 64-byte aligned buffer that only grows (cache-line aligned rows for the kernels' loads).
template <typename T>
class GrowOnlyBuffer {
public:
    T* get(int64_t count) {
        if (count > capacity_) {
            const size_t bytes = (static_cast<size_t>(count) * sizeof(T) + 63) / 64 * 64;
            data_.reset(static_cast<T*>(std::aligned_alloc(64, bytes)));
            if (!data_) throw std::bad_alloc();
            capacity_ = count;
        }
        return data_.get();
    }

private:
    struct Free {
        void operator()(T* p) const { std::free(p); }
    };
    std::unique_ptr<T, Free> data_;
    int64_t capacity_ = 0;
};

struct ActivationScratch {
    GrowOnlyBuffer<int8_t> q;
    GrowOnlyBuffer<float> scales;
    GrowOnlyBuffer<float> dxs_sum;
};

abi::MatrixView view_of(const QuantizedMatrix& w) {
    abi::MatrixView v{};
    v.format = w.format == WeightFormat::Int8 ? abi::Format::Int8 : abi::Format::Q4;
    v.rows = w.rows;
    v.superblocks = w.padded_cols / abi::kSuperblock;
    v.data = w.data.data_ptr<uint8_t>();
    v.row_bytes = w.data.size(1);
    if (w.format == WeightFormat::Int8)
        v.row_scales = w.scales.data_ptr<float>();
    else
        v.group_scales = reinterpret_cast<const uint16_t*>(w.scales.data_ptr<at::Half>());
    return v;
}

// Bytes one output row of the integer path reads (weights and scales), for parallel_rows;
// times the activation rows, as each row is read once per activation row from the cache.
int64_t bytes_per_row(const QuantizedMatrix& w) { return w.weight_bytes() / std::max<int64_t>(w.rows, 1); }

// Rows of W per dequantised tile: about 16 MB of float32. Each tile costs a parallel region, a
// conversion and an at::linear call, so small tiles waste time (4 MB tiles ran the 64-row
// product at 212 GFLOP/s, 16 MB tiles at 331-355, on the development machine); the tile
// still stays in the last-level cache between being written and being multiplied.
int64_t tile_rows(int64_t cols) { return std::max<int64_t>(16, ((int64_t(1) << 22) / std::max<int64_t>(cols, 1)) / 16 * 16); }

void dense_matmul(const KernelTable& k, const QuantizedMatrix& w, const float* x, int64_t M, int64_t ldx, float* y, int64_t ldy) {
    const int64_t K = w.cols, N = w.rows;
    // bf16 tiles only where the CPU multiplies bf16: elsewhere oneDNN's generic bf16 product
    // ran at about 1 GFLOP/s (a 64-token 1.3B prefill at 0.6 tokens/s).
    const at::ScalarType dtype = w.dense_dtype == at::kBFloat16 && !compute_paths().native_bf16 ? at::kFloat : w.dense_dtype;
    const at::Tensor xs = at::from_blob(const_cast<float*>(x), {M, K}, {ldx, 1}, at::kFloat);
    const at::Tensor xd = xs.to(dtype).contiguous();
    const at::Tensor ys = at::from_blob(y, {M, N}, {ldy, 1}, at::kFloat);
    const abi::MatrixView wv = view_of(w);
    const int64_t T = std::min(N, tile_rows(K));
    thread_local GrowOnlyBuffer<float> tile_buffer;
    float* tile = tile_buffer.get(T * K);
    for (int64_t n0 = 0; n0 < N; n0 += T) {
        const int64_t nt = std::min(T, N - n0);
        at::parallel_for(n0, n0 + nt, std::max<int64_t>(1, (int64_t(1) << 16) / std::max<int64_t>(K, 1)),
                         [&](int64_t a, int64_t b) { k.dequantize(wv, a, b, K, tile + (a - n0) * K, K); });
        at::Tensor t = at::from_blob(tile, {nt, K}, at::kFloat);
        if (dtype != at::kFloat) t = t.to(dtype);
        ys.narrow(1, n0, nt).copy_(at::linear(xd, t));
    }
}

// The kernels' block of activation rows (kernel_avx2.cpp, kernel_avx512.cpp), and the weights a
// thread takes at a time when there are more rows than one block: small enough to stay in a
// 512 KiB L2 cache beside a block of activations.
constexpr int64_t kRowsPerKernelBlock = 4;
constexpr int64_t kPrefillChunkBytes = int64_t(256) << 10;

// The integer path for a group of matrices with the same K: the activations quantised once,
// all output rows in one parallel region. ys[i] has row stride ldys[i].
void integer_matmul(const QuantizedMatrix* const* ws, int count, const float* x, int64_t M, int64_t ldx, float* const* ys,
                    const int64_t* ldys, const float* const* biases) {
    TORCH_CHECK(count <= kMaxGroup, "quantized_matmul_group: at most ", kMaxGroup, " matrices");
    const KernelTable k = active_kernels();
    const int64_t S = ws[0]->padded_cols / abi::kSuperblock;
    abi::MatrixView views[kMaxGroup];
    int64_t rows[kMaxGroup];
    for (int i = 0; i < count; ++i) {
        TORCH_CHECK(ws[i]->cols == ws[0]->cols, "quantized_matmul_group: the matrices differ in their input size");
        views[i] = view_of(*ws[i]);
        rows[i] = ws[i]->rows;
    }
    thread_local ActivationScratch scratch;
    abi::ActivationBuffers buf{scratch.q.get(M * S * abi::kSuperblock), scratch.scales.get(M * abi::scale_row_floats(S)), scratch.dxs_sum.get(M)};
    k.prepare(x, M, ldx, ws[0]->cols, S, buf);
    const abi::ActivationView xv{M, S, buf.q, buf.scales, buf.dxs_sum};
    const auto body = [&](int i, int64_t n0, int64_t n1) {
        k.rows(views[i], xv, n0, n1, ys[i], ldys[i]);
        if (biases) add_bias_rows(biases[i], M, n0, n1, ys[i], ldys[i]);
    };
    if (M <= kRowsPerKernelBlock) {
        parallel_group_rows(rows, count, bytes_per_row(*ws[0]) * M, body);
        return;
    }
    // Many rows (prefill): the kernels take the activation rows a block at a time and run each
    // block past all the weight rows of their chunk, so a chunk's weights are read once per
    // block of activation rows. Chunks of kPrefillChunkBytes of weights stay in the L2 cache
    // for that; chunks sized by weights times rows (as for decoding) held only 4 weight rows,
    // and every activation row then came from further away for each of them (1.3B q4, 256
    // rows: 116 GFLOP/s with AVX2 on the development machine, 201 at 64 rows).
    parallel_group_rows(rows, count, bytes_per_row(*ws[0]), body, kPrefillChunkBytes);
}

}  // namespace

bool takes_integer_path(int64_t rows) { return rows < kDenseMinRows || compute_paths().quant_prefill == QuantPrefill::Integer; }

void quantized_matmul(const QuantizedMatrix& w, const float* x, int64_t M, int64_t ldx, float* y, int64_t ldy, MatmulPath path) {
    if (M <= 0 || w.rows == 0) return;
    if (path == MatmulPath::Dense || (path == MatmulPath::Auto && !takes_integer_path(M))) {
        dense_matmul(active_kernels(), w, x, M, ldx, y, ldy);
        return;
    }
    const QuantizedMatrix* ws = &w;
    integer_matmul(&ws, 1, x, M, ldx, &y, &ldy, nullptr);
}

void quantized_matmul_group(const QuantizedMatrix* const* ws, int count, const float* x, int64_t M, int64_t ldx,
                            float* const* ys, const float* const* biases) {
    if (count <= 0 || M <= 0) return;
    if (!takes_integer_path(M)) {
        for (int i = 0; i < count; ++i) {
            quantized_matmul(*ws[i], x, M, ldx, ys[i], ws[i]->rows);
            if (biases) add_bias_rows(biases[i], M, 0, ws[i]->rows, ys[i], ws[i]->rows);
        }
        return;
    }
    int64_t ldys[kMaxGroup];
    for (int i = 0; i < count && i < kMaxGroup; ++i) ldys[i] = ws[i]->rows;
    integer_matmul(ws, count, x, M, ldx, ys, ldys, biases);
}

at::Tensor quantized_linear(const at::Tensor& x, const QuantizedMatrix& w, MatmulPath path) {
    TORCH_CHECK(x.size(-1) == w.cols, "quantized_linear: input has ", x.size(-1), " features, the matrix expects ", w.cols);
    const at::Tensor xf = (x.scalar_type() == at::kFloat ? x : x.to(at::kFloat)).contiguous();
    const int64_t M = xf.numel() / w.cols;
    std::vector<int64_t> out_shape(x.sizes().begin(), x.sizes().end());
    out_shape.back() = w.rows;
    at::Tensor y = at::empty(out_shape, at::kFloat);
    quantized_matmul(w, xf.data_ptr<float>(), M, w.cols, y.data_ptr<float>(), w.rows, path);
    return y;
}

}  // namespace ibllm::quant
