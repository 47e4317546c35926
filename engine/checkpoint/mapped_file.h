#pragma once
// A whole file mapped read-only into memory. Checkpoints are read through this so that
// tensors can point straight into the mapping: a 13 GB model is then paged in on demand
// instead of being copied into a second 13 GB buffer.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace ibllm {

class MappedFile {
public:
    // Maps `path` (MAP_PRIVATE, PROT_READ). Throws ibllm::Error naming the file when it is
    // missing, unreadable, a folder or empty.
    static std::shared_ptr<MappedFile> open(const std::string& path);

    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const uint8_t* data() const { return data_; }
    size_t size() const { return size_; }
    const std::string& path() const { return path_; }

    // True when [p, p + bytes) lies inside the mapping.
    bool contains(const void* p, size_t bytes) const;

    // Hands the whole pages inside [begin, begin + bytes) back to the kernel. Use it after a
    // tensor was converted to another dtype: the source pages then stop counting in the
    // process's resident memory. Reading them again later is still valid (they are paged
    // back in from the file), so this is only ever a memory hint, never a correctness risk.
    void release(const void* begin, size_t bytes) const;

private:
    MappedFile(std::string path, const uint8_t* data, size_t size);
    std::string path_;
    const uint8_t* data_ = nullptr;
    size_t size_ = 0;
};

}  // namespace ibllm
