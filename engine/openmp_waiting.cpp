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
// lost 10% with no spinning at all, which training takes. libgomp reads these variables once,
// when it is loaded, so they are set by running the program again.
void restart_with_openmp_waiting(char** argv, OpenMpWaiting waiting) {
    if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;  // the user's choice, or done
    if (waiting == OpenMpWaiting::Passive)
        ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    else
        ::setenv("GOMP_SPINCOUNT", "10000", 1);
    ::execv("/proc/self/exe", argv);
    // Could not run again: go on with libgomp's default (slower, not wrong).
}

}  // namespace ibllm
