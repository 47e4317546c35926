#include <unistd.h>

#include <cstdlib>

#include "engine/engine.h"

namespace ibllm {

// libtorch's OpenMP threads (libgomp) spin for a while after each parallel region before they
// sleep. Large float32 products run on OpenBLAS's own threads, and on a machine with as many
// threads as cores the spinning OpenMP threads take those cores from them: an ImageBind-huge
// image took 4.05 s, 2.14 s with a spin limit of 10000 (two Zen 4 cores), and training steps
// lost a third. Decoding, whose ~120 parallel regions per token want their threads awake,
// kept its speed at that limit (1.3B q4 projections 42.5-46.2 tokens/s against 45.4-46.4) but
// lost 10% with no spinning at all, which training takes.
// The same holds the other way round: OpenBLAS's threads call sched_yield() in a loop for
// 2^28 clock cycles (about 0.1 s) after each product before they sleep, and so took the cores
// from the OpenMP threads of the kernels that follow (prefill runs the attention's float32
// products on OpenBLAS between the projections): 1.3B bf16 prefill without bf16 instructions
// went from 53 to 61 tokens/s at 64 tokens with a timeout of 2^4 cycles, that is, sleeping at
// once (two Zen 4 cores, AVX2 paths).
// libgomp and OpenBLAS read these variables once, when they are loaded, so they are set by
// running the program again.
void restart_with_openmp_waiting(char** argv, OpenMpWaiting waiting) {
    bool changed = false;
    if (!std::getenv("OMP_WAIT_POLICY") && !std::getenv("GOMP_SPINCOUNT")) {  // else the user's choice, or done
        if (waiting == OpenMpWaiting::Passive)
            ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
        else
            ::setenv("GOMP_SPINCOUNT", "10000", 1);
        changed = true;
    }
    if (!std::getenv("OPENBLAS_THREAD_TIMEOUT")) {
        ::setenv("OPENBLAS_THREAD_TIMEOUT", "4", 1);
        changed = true;
    }
    if (!changed) return;
    ::execv("/proc/self/exe", argv);
    // Could not run again: go on with the libraries' defaults (slower, not wrong).
}

}  // namespace ibllm
