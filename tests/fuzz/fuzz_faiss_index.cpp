// libFuzzer harness: the check the product makes before faiss reads a visual cache
// (engine/bind/faiss_file_check). Whatever it passes as a flat index is then read by faiss as
// the product would, and must come back as an index of the stated size or as faiss's
// exception, within the memory limit: a header that would make faiss allocate more than the
// file holds must be stopped by the check. Files the check leaves to faiss (other index
// types) are out of this harness's scope: the product does not vouch for them.
#include <faiss/Index.h>
#include <faiss/index_io.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "engine/bind/faiss_file_check.h"
#include "engine/error.h"
#include "memory_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const MemoryFile file(data, size);
    if (!file.ok()) return 0;
    const std::string path = file.path();
    try {
        ibllm::check_faiss_file(path);
    } catch (const ibllm::Error&) {
        return 0;
    }
    const bool flat = size >= 4 && (!std::memcmp(data, "IxFI", 4) || !std::memcmp(data, "IxF2", 4) ||
                                    !std::memcmp(data, "IxFl", 4));
    if (!flat) return 0;
    try {
        std::unique_ptr<faiss::Index> index(faiss::read_index(path.c_str()));
        if (index && index->ntotal > 0 && index->d <= 0) __builtin_trap();
    } catch (const std::exception&) {
    }
    return 0;
}
