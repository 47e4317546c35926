#include "engine/bind/faiss_file_check.h"

#include <cstdint>
#include <cstring>
#include <fstream>

#include "engine/error.h"

namespace ibllm {

namespace {

// faiss's write_index for IndexFlat: fourcc, then write_index_header (int32 d, int64 ntotal,
// two int64 placeholders, a bool is_trained, int32 metric_type, a float metric_arg only for
// metric types above 1), then the vectors as a size_t count of floats and the floats.
struct FlatHeader {
    int32_t d = 0;
    int64_t ntotal = 0;
    int32_t metric = 0;
};

template <class T>
bool read_value(std::istream& in, T& out) {
    in.read(reinterpret_cast<char*>(&out), sizeof(T));
    return static_cast<size_t>(in.gcount()) == sizeof(T);
}

[[noreturn]] void damaged(const std::string& path, const std::string& why) {
    throw Error("The visual cache " + path + " is damaged (" + why +
                "); choose the knn.index file of the release or download it again.");
}

}  // namespace

void check_faiss_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) return;  // the caller reports a missing file in its own words
    const uint64_t file_size = static_cast<uint64_t>(in.tellg());
    in.seekg(0);
    char fourcc[4];
    in.read(fourcc, 4);
    if (in.gcount() != 4) damaged(path, "it is shorter than any FAISS index");
    const bool flat = !std::memcmp(fourcc, "IxFI", 4) || !std::memcmp(fourcc, "IxF2", 4) || !std::memcmp(fourcc, "IxFl", 4);
    if (!flat) return;

    FlatHeader h;
    int64_t placeholder = 0;
    uint8_t trained = 0;
    if (!read_value(in, h.d) || !read_value(in, h.ntotal) || !read_value(in, placeholder) ||
        !read_value(in, placeholder) || !read_value(in, trained) || !read_value(in, h.metric))
        damaged(path, "its header is cut short");
    if (h.metric > 1) {
        float metric_arg = 0;
        if (!read_value(in, metric_arg)) damaged(path, "its header is cut short");
    }
    uint64_t floats = 0;
    if (!read_value(in, floats)) damaged(path, "its header is cut short");
    if (h.d <= 0 || h.d > (1 << 20)) damaged(path, "its dimension " + std::to_string(h.d) + " is impossible");
    if (h.ntotal < 0) damaged(path, "its vector count is negative");
    const uint64_t header_bytes = static_cast<uint64_t>(in.tellg());
    uint64_t expected = 0, bytes = 0;
    if (__builtin_mul_overflow(static_cast<uint64_t>(h.ntotal), static_cast<uint64_t>(h.d), &expected) ||
        floats != expected)
        damaged(path, "it states " + std::to_string(h.ntotal) + " vectors of " + std::to_string(h.d) + " but " +
                          std::to_string(floats) + " numbers");
    if (__builtin_mul_overflow(floats, uint64_t{4}, &bytes) || bytes > file_size - header_bytes)
        damaged(path, "it holds fewer vectors than its header states; the file is cut short");
}

}  // namespace ibllm
