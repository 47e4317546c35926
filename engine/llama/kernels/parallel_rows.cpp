#include "engine/llama/kernels/parallel_rows.h"

#include <ATen/Parallel.h>
#include <c10/util/Exception.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace ibllm::quant {

namespace {

bool static_split() {
    static const bool on = [] {
        const char* v = std::getenv("IBLLM_STATIC_SPLIT");
        return v && std::strcmp(v, "0") != 0 && *v;
    }();
    return on;
}

}  // namespace

void parallel_rows(int64_t rows, int64_t row_bytes, c10::function_ref<void(int64_t, int64_t)> body, int64_t chunk_bytes,
                   int64_t min_parallel_bytes) {
    if (rows <= 0) return;
    const int threads = at::get_num_threads();
    const int64_t bytes = rows * std::max<int64_t>(row_bytes, 1);
    if (threads <= 1 || bytes < min_parallel_bytes || at::in_parallel_region() || omp_in_parallel()) {
        body(0, rows);
        return;
    }
    if (static_split()) {
        at::parallel_for(0, rows, std::max<int64_t>(1, min_parallel_bytes / std::max<int64_t>(row_bytes, 1)), body);
        return;
    }
    // Chunks of chunk_bytes while much is left, then shrinking to a share of what remains
    // (down to kMinChunkBytes), in multiples of 4 rows (the kernels' block). A product ends
    // when its last chunk does: with equal chunks the other thread idled for half a chunk on
    // average (tens of microseconds, ~120 times per token) at the end of every product.
    constexpr int64_t kMinChunkBytes = int64_t(64) << 10;
    constexpr int kMaxChunks = 1024;  // 7B bf16 output matrix: ~260 chunks of 1 MiB
    const int64_t rb = std::max<int64_t>(row_bytes, 1);
    const auto rows_of = [&](int64_t b) { return std::max<int64_t>(4, b / rb / 4 * 4); };
    const int64_t max_rows = rows_of(chunk_bytes), min_rows = std::min(max_rows, rows_of(kMinChunkBytes));
    int64_t first[kMaxChunks + 1];
    int chunks = 0;
    for (int64_t r = 0; r < rows; ++chunks) {
        first[chunks] = r;
        const int64_t share = (rows - r) / (2 * threads) / 4 * 4;
        int64_t n = std::clamp(share, min_rows, max_rows);
        if (chunks == kMaxChunks - 1) n = rows - r;
        r = std::min(rows, r + n);
    }
    first[chunks] = rows;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (int c = 0; c < chunks; ++c) body(first[c], first[c + 1]);
}

void parallel_group_rows(const int64_t* rows, int count, int64_t row_bytes,
                         c10::function_ref<void(int, int64_t, int64_t)> body, int64_t chunk_bytes) {
    TORCH_CHECK(count >= 0 && count <= kMaxGroup, "parallel_group_rows: at most ", kMaxGroup, " matrices");
    int64_t first[kMaxGroup + 1] = {0};
    for (int i = 0; i < count; ++i) first[i + 1] = first[i] + rows[i];
    parallel_rows(first[count], row_bytes, [&](int64_t a, int64_t b) {
        for (int i = 0; i < count; ++i) {
            const int64_t lo = std::max(a, first[i]), hi = std::min(b, first[i + 1]);
            if (lo < hi) body(i, lo - first[i], hi - first[i]);
        }
    }, chunk_bytes);
}

}  // namespace ibllm::quant
