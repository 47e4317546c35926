#pragma once
// The zip container of a torch >= 1.6 checkpoint, read in place from a MappedFile. Only
// what torch.save writes is needed: stored (uncompressed) records, ZIP64 for files over
// 4 GB, no encryption, no multi-disk archives.
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/checkpoint/mapped_file.h"

namespace ibllm {

struct ZipEntry {
    std::string name;
    uint64_t data_offset = 0;  // from the start of the file, past the local header
    uint64_t size = 0;         // bytes stored in the file (= the record's size when stored)
    uint16_t method = 0;       // 0 = stored; anything else is compressed
    uint32_t crc32 = 0;
};

class ZipReader {
public:
    // Parses the directory. Throws ibllm::Error naming the file when it is not a zip (with a
    // dedicated message for the legacy torch < 1.6 format), or is truncated or corrupt.
    explicit ZipReader(std::shared_ptr<MappedFile> file);

    const std::vector<ZipEntry>& entries() const { return entries_; }
    const ZipEntry* find(const std::string& name) const;  // nullptr when absent

    // The record's bytes inside the mapping. Throws for a compressed record: it cannot be
    // read in place, and torch never compresses checkpoint records.
    const uint8_t* data(const ZipEntry& entry) const;

    // Whether the record's bytes match the CRC in the directory (reads the whole record).
    bool crc_matches(const ZipEntry& entry) const;

    const std::shared_ptr<MappedFile>& file() const { return file_; }
    const std::string& path() const { return file_->path(); }

private:
    std::shared_ptr<MappedFile> file_;
    std::vector<ZipEntry> entries_;
    std::unordered_map<std::string, size_t> index_;
};

// True when the file starts the way a pickle written by torch < 1.6 does (protocol 2 and the
// pickled magic number 0x1950a86a20f9469cfc6c).
bool is_legacy_torch_file(const uint8_t* data, size_t size);

// True when the file starts with a zip local header signature ("PK\3\4").
bool starts_like_zip(const uint8_t* data, size_t size);

}  // namespace ibllm
