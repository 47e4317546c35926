#include "engine/llama/kernels/weight_memory.h"

#include <ATen/ATen.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <new>

namespace ibllm::quant {

// One 2 MiB-aligned anonymous mapping advised for huge pages. `refs` counts the tensors placed
// in it, plus one while an arena still places tensors there; the last to go unmaps it.
struct WeightMapping {
    void* base;
    size_t length;
    size_t used = 0;
    std::atomic<int> refs{0};
};

namespace {

constexpr size_t kHugePage = size_t(2) << 20;

void release(void* ctx) {
    auto* m = static_cast<WeightMapping*>(ctx);
    if (m->refs.fetch_sub(1) == 1) {
        ::munmap(m->base, m->length);
        delete m;
    }
}

// `bytes` of anonymous memory starting on a 2 MiB boundary (a huge page can only back an
// aligned 2 MiB range), with the kernel asked to back it with huge pages. Pages become
// resident (2 MiB at a time) only where written.
WeightMapping* map_aligned(size_t bytes) {
    const size_t length = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* raw = ::mmap(nullptr, length + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const uintptr_t begin = reinterpret_cast<uintptr_t>(raw);
    const uintptr_t aligned = (begin + kHugePage - 1) / kHugePage * kHugePage;
    // Give back the unaligned head and the tail beyond the rounded length.
    if (aligned > begin) ::munmap(raw, aligned - begin);
    const uintptr_t end = begin + length + kHugePage;
    if (end > aligned + length) ::munmap(reinterpret_cast<void*>(aligned + length), end - (aligned + length));
    void* p = reinterpret_cast<void*>(aligned);
    ::madvise(p, length, MADV_HUGEPAGE);  // best effort: without THP it is ordinary memory
    auto* m = new WeightMapping;
    m->base = p;
    m->length = length;
    return m;
}

thread_local WeightMemoryArena* current_arena = nullptr;

int64_t bytes_of(at::IntArrayRef sizes, at::ScalarType dtype) {
    int64_t numel = 1;
    for (int64_t s : sizes) numel *= s;
    return numel * static_cast<int64_t>(c10::elementSize(dtype));
}

// A tensor over `bytes` at `p` inside mapping `m`, holding one reference to it.
at::Tensor tensor_in(WeightMapping* m, void* p, int64_t bytes, at::IntArrayRef sizes, at::ScalarType dtype) {
    m->refs.fetch_add(1);
    c10::DataPtr ptr(p, m, &release, c10::Device(c10::DeviceType::CPU));
    c10::Storage storage(c10::Storage::use_byte_size_t(), bytes, std::move(ptr), /*allocator=*/nullptr, /*resizable=*/false);
    return at::empty({0}, dtype).set_(storage, 0, sizes);
}

}  // namespace

WeightMemoryArena::WeightMemoryArena() : previous_(current_arena) { current_arena = this; }

WeightMemoryArena::~WeightMemoryArena() {
    current_arena = previous_;
    if (chunk_) release(chunk_);  // the arena's own reference
}

at::Tensor empty_weight_tensor(at::IntArrayRef sizes, at::ScalarType dtype) {
    const int64_t bytes = bytes_of(sizes, dtype);
    if (WeightMemoryArena* arena = current_arena; arena && bytes >= kArenaMinBytes) {
        const size_t need = (static_cast<size_t>(bytes) + 63) / 64 * 64;
        if (!arena->chunk_ || arena->chunk_->used + need > arena->chunk_->length) {
            WeightMapping* fresh = map_aligned(std::max(need, kArenaChunkBytes));
            fresh->refs.fetch_add(1);  // the arena's reference while it places tensors there
            if (arena->chunk_) release(arena->chunk_);
            arena->chunk_ = fresh;
        }
        WeightMapping* m = arena->chunk_;
        void* p = static_cast<char*>(m->base) + m->used;
        m->used += need;
        return tensor_in(m, p, bytes, sizes, dtype);
    }
    if (bytes < kWeightMemoryMinBytes) return at::empty(sizes, dtype);
    WeightMapping* m = map_aligned(static_cast<size_t>(bytes));
    return tensor_in(m, m->base, bytes, sizes, dtype);
}

at::Tensor copy_to_weight_memory(const at::Tensor& t, at::ScalarType dtype) {
    at::Tensor out = empty_weight_tensor(t.sizes(), dtype);
    out.copy_(t);
    return out;
}

bool in_weight_memory(const at::Tensor& t) {
    return t.defined() && t.storage().data_ptr().get_deleter() == &release;
}

}  // namespace ibllm::quant
