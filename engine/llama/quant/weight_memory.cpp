#include "engine/llama/quant/weight_memory.h"

#include <ATen/ATen.h>
#include <sys/mman.h>

#include <new>

namespace ibllm::quant {

namespace {

constexpr size_t kHugePage = size_t(2) << 20;

// The DataPtr's context: what munmap needs when the tensor's storage goes.
struct Mapping {
    void* base;
    size_t length;
};

void unmap(void* ctx) {
    auto* m = static_cast<Mapping*>(ctx);
    ::munmap(m->base, m->length);
    delete m;
}

// `bytes` of anonymous memory starting on a 2 MiB boundary (a huge page can only back an
// aligned 2 MiB range), with the kernel asked to back it with huge pages.
Mapping* map_aligned(size_t bytes) {
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
    return new Mapping{p, length};
}

}  // namespace

at::Tensor empty_weight_tensor(at::IntArrayRef sizes, at::ScalarType dtype) {
    int64_t numel = 1;
    for (int64_t s : sizes) numel *= s;
    const int64_t bytes = numel * static_cast<int64_t>(c10::elementSize(dtype));
    if (bytes < kWeightMemoryMinBytes) return at::empty(sizes, dtype);
    Mapping* m = map_aligned(static_cast<size_t>(bytes));
    c10::DataPtr ptr(m->base, m, &unmap, c10::Device(c10::DeviceType::CPU));
    c10::Storage storage(c10::Storage::use_byte_size_t(), bytes, std::move(ptr), /*allocator=*/nullptr, /*resizable=*/false);
    return at::empty({0}, dtype).set_(storage, 0, sizes);
}

at::Tensor copy_to_weight_memory(const at::Tensor& t, at::ScalarType dtype) {
    at::Tensor out = empty_weight_tensor(t.sizes(), dtype);
    out.copy_(t);
    return out;
}

bool in_weight_memory(const at::Tensor& t) {
    return t.defined() && t.storage().data_ptr().get_deleter() == &unmap;
}

}  // namespace ibllm::quant
