#pragma once
// Writes a file under a temporary name (path + ".tmp") and renames it over the real name
// only when complete, so that an interrupted save never leaves a truncated checkpoint behind.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace ibllm {

class AtomicFileWriter {
public:
    explicit AtomicFileWriter(std::string path);  // throws ibllm::Error when it cannot create the file
    ~AtomicFileWriter();                          // removes the temporary file unless commit() ran
    AtomicFileWriter(const AtomicFileWriter&) = delete;
    AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

    void write(const void* data, size_t size);
    void write_zeros(size_t size);
    uint64_t position() const { return position_; }
    const std::string& path() const { return path_; }

    // Flushes to disk and renames the temporary file to `path`.
    void commit();

private:
    [[noreturn]] void fail(int err) const;
    std::string path_;
    std::string tmp_path_;
    std::FILE* file_ = nullptr;
    uint64_t position_ = 0;
};

}  // namespace ibllm
