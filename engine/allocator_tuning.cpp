#include "engine/allocator_tuning.h"

#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace ibllm {

void tune_allocator_for_inference() {
#if defined(__GLIBC__)
    static std::once_flag once;
    std::call_once(once, [] {
        // glibc serves every block above its mmap threshold (128 KiB at start, raised only as
        // such blocks are freed) with a fresh mapping and gives it back on free. An encoder
        // allocates and frees megabytes of activations per block, so each call paid for
        // mapping, faulting in and zeroing its pages again: an ImageBind-huge image took
        // 0.8-4 s instead of about 0.6 s here. Blocks up to 64 MiB now come from the heap and
        // are reused, and up to 512 MiB of free heap top is kept instead of trimmed. Larger
        // blocks (weights, the KV cache of long contexts) are still mappings of their own.
        mallopt(M_MMAP_THRESHOLD, 64 << 20);
        mallopt(M_TRIM_THRESHOLD, 512 << 20);
    });
#endif
}

}  // namespace ibllm
