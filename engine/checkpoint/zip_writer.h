#pragma once
// Writes a zip the way torch.save does: every record stored (uncompressed) with its data
// 64-byte aligned (padding goes into an "FB" extra field), so that readers can map tensors in
// place. ZIP64 records are used when a size or offset needs them (a 13 GB checkpoint does).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/checkpoint/atomic_file.h"

namespace ibllm {

class ZipWriter {
public:
    // Writes to path + ".tmp"; finish() renames it to `path`. `force_zip64` writes the ZIP64
    // directory records even for a small archive (to test readers without a 4 GB file).
    explicit ZipWriter(const std::string& path, bool force_zip64 = false);

    void add(const std::string& name, const void* data, size_t size);
    void finish();

private:
    struct Record {
        std::string name;
        uint64_t header_offset;
        uint64_t size;
        uint32_t crc;
    };
    AtomicFileWriter out_;
    bool force_zip64_;
    std::vector<Record> records_;
};

}  // namespace ibllm
