#include "engine/llama/quant/parallel_rows.h"

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
    // Multiples of 4 rows (the kernels' block), at least 2 chunks per thread.
    int64_t chunk = std::max<int64_t>(4, chunk_bytes / std::max<int64_t>(row_bytes, 1)) / 4 * 4;
    chunk = std::max<int64_t>(4, std::min<int64_t>(chunk, (rows + 2 * threads - 1) / (2 * threads) / 4 * 4));
    const int64_t chunks = (rows + chunk - 1) / chunk;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (int64_t c = 0; c < chunks; ++c) body(c * chunk, std::min(rows, (c + 1) * chunk));
}

void parallel_group_rows(const int64_t* rows, int count, int64_t row_bytes,
                         c10::function_ref<void(int, int64_t, int64_t)> body) {
    TORCH_CHECK(count >= 0 && count <= kMaxGroup, "parallel_group_rows: at most ", kMaxGroup, " matrices");
    int64_t first[kMaxGroup + 1] = {0};
    for (int i = 0; i < count; ++i) first[i + 1] = first[i] + rows[i];
    parallel_rows(first[count], row_bytes, [&](int64_t a, int64_t b) {
        for (int i = 0; i < count; ++i) {
            const int64_t lo = std::max(a, first[i]), hi = std::min(b, first[i + 1]);
            if (lo < hi) body(i, lo - first[i], hi - first[i]);
        }
    });
}

}  // namespace ibllm::quant
