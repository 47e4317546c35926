#include "engine/checkpoint/zip_reader.h"

#include <algorithm>
#include <cstring>

#include "engine/checkpoint/crc32.h"
#include "engine/error.h"

namespace ibllm {

namespace {

constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralHeaderSig = 0x02014b50;
constexpr uint32_t kEndOfDirSig = 0x06054b50;
constexpr uint32_t kZip64EndOfDirSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr size_t kEndOfDirSize = 22;
constexpr size_t kZip64LocatorSize = 20;
constexpr size_t kZip64EndOfDirSize = 56;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kLocalHeaderSize = 30;

// Bounds-checked little-endian reads: every offset in a zip comes from the file itself, so
// each one is checked against the file size before it is followed.
class Bytes {
public:
    Bytes(const uint8_t* data, uint64_t size, const std::string& path) : data_(data), size_(size), path_(path) {}

    uint16_t u16(uint64_t at) const { return static_cast<uint16_t>(read(at, 2)); }
    uint32_t u32(uint64_t at) const { return static_cast<uint32_t>(read(at, 4)); }
    uint64_t u64(uint64_t at) const { return read(at, 8); }
    void need(uint64_t at, uint64_t n) const {
        if (at > size_ || n > size_ - at) truncated();
    }
    [[noreturn]] void truncated() const { throw Error(path_ + " is truncated or corrupt; download it again."); }

private:
    uint64_t read(uint64_t at, int n) const {
        need(at, static_cast<uint64_t>(n));
        uint64_t v = 0;
        for (int k = n - 1; k >= 0; --k) v = (v << 8) | data_[at + static_cast<uint64_t>(k)];
        return v;
    }
    const uint8_t* data_;
    uint64_t size_;
    const std::string& path_;
};

// The end-of-directory record sits at the very end, followed only by the archive comment.
// Scanning back and requiring the comment length to reach exactly the end of the file
// avoids mistaking the signature bytes inside tensor data for the record.
int64_t find_end_of_directory(const uint8_t* data, uint64_t size) {
    if (size < kEndOfDirSize) return -1;
    const uint64_t lowest = size > kEndOfDirSize + 0xFFFF ? size - kEndOfDirSize - 0xFFFF : 0;
    for (uint64_t pos = size - kEndOfDirSize + 1; pos-- > lowest;) {
        if (data[pos] != 0x50 || data[pos + 1] != 0x4b || data[pos + 2] != 0x05 || data[pos + 3] != 0x06) continue;
        const uint64_t comment = data[pos + 20] | (uint64_t(data[pos + 21]) << 8);
        if (pos + kEndOfDirSize + comment == size) return static_cast<int64_t>(pos);
    }
    return -1;
}

}  // namespace

bool is_legacy_torch_file(const uint8_t* data, size_t size) {
    // pickle.dump(0x1950a86a20f9469cfc6c, f, protocol=2): PROTO 2, LONG1 of 10 bytes.
    static const uint8_t kPrefix[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46,
                                      0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
    return size >= sizeof kPrefix && std::memcmp(data, kPrefix, sizeof kPrefix) == 0;
}

bool starts_like_zip(const uint8_t* data, size_t size) {
    return size >= 4 && data[0] == 'P' && data[1] == 'K' && data[2] == 3 && data[3] == 4;
}

ZipReader::ZipReader(std::shared_ptr<MappedFile> file) : file_(std::move(file)) {
    const std::string& path = file_->path();
    const uint8_t* base = file_->data();
    const uint64_t size = file_->size();
    Bytes in(base, size, path);

    if (is_legacy_torch_file(base, size))
        throw Error(path + " is in the legacy (torch < 1.6) format; re-save it with torch.save(obj, path) in torch >= 1.6.");
    // A file cut short inside its first header still begins with (part of) "PK".
    const bool zip_start = size >= 2 ? (base[0] == 'P' && base[1] == 'K') : base[0] == 'P';
    const int64_t eod = find_end_of_directory(base, size);
    if (eod < 0) {
        if (zip_start) in.truncated();
        throw Error(path + " is not a PyTorch checkpoint (it is not a zip archive); choose a file saved by torch.save.");
    }
    const uint64_t end = static_cast<uint64_t>(eod);

    uint64_t count = in.u16(end + 10);
    uint64_t dir_size = in.u32(end + 12);
    uint64_t dir_offset = in.u32(end + 16);
    if (in.u16(end + 4) != 0 || in.u16(end + 6) != 0)
        throw Error(path + " is a multi-part zip archive, which is not a checkpoint; choose the single .pth file.");

    // ZIP64: a locator right before the end record points at a 64-bit end record, whose
    // counts replace the saturated 16/32-bit ones.
    if (end >= kZip64LocatorSize && in.u32(end - kZip64LocatorSize) == kZip64LocatorSig) {
        const uint64_t z64 = in.u64(end - kZip64LocatorSize + 8);
        in.need(z64, kZip64EndOfDirSize);
        if (in.u32(z64) != kZip64EndOfDirSig) in.truncated();
        count = in.u64(z64 + 32);
        dir_size = in.u64(z64 + 40);
        dir_offset = in.u64(z64 + 48);
    }
    in.need(dir_offset, dir_size);
    // Each directory entry takes at least 46 bytes; a larger count is a lie, and refusing it
    // keeps a corrupt count from reserving absurd memory.
    if (count > dir_size / kCentralHeaderSize) in.truncated();

    entries_.reserve(static_cast<size_t>(count));
    uint64_t at = dir_offset;
    for (uint64_t n = 0; n < count; ++n) {
        if (in.u32(at) != kCentralHeaderSig) in.truncated();
        const uint16_t flags = in.u16(at + 8);
        ZipEntry e;
        e.method = in.u16(at + 10);
        e.crc32 = in.u32(at + 16);
        uint64_t compressed = in.u32(at + 20);
        uint64_t uncompressed = in.u32(at + 24);
        const uint16_t name_len = in.u16(at + 28);
        const uint16_t extra_len = in.u16(at + 30);
        const uint16_t comment_len = in.u16(at + 32);
        uint64_t local = in.u32(at + 42);
        in.need(at + kCentralHeaderSize, uint64_t(name_len) + extra_len + comment_len);
        e.name.assign(reinterpret_cast<const char*>(base + at + kCentralHeaderSize), name_len);

        // The ZIP64 extra field holds, in this order, only the values saturated above.
        uint64_t x = at + kCentralHeaderSize + name_len;
        const uint64_t x_end = x + extra_len;
        while (x + 4 <= x_end) {
            const uint16_t id = in.u16(x);
            const uint16_t len = in.u16(x + 2);
            if (x + 4 + len > x_end) in.truncated();
            if (id == 0x0001) {
                uint64_t f = x + 4;
                const uint64_t f_end = f + len;
                auto next = [&]() {
                    if (f + 8 > f_end) in.truncated();
                    const uint64_t v = in.u64(f);
                    f += 8;
                    return v;
                };
                if (uncompressed == 0xFFFFFFFFu) uncompressed = next();
                if (compressed == 0xFFFFFFFFu) compressed = next();
                if (local == 0xFFFFFFFFu) local = next();
            }
            x += 4 + uint64_t(len);
        }
        if (flags & 0x1)
            throw Error(path + " contains an encrypted record, which a checkpoint never has; choose a file saved by torch.save.");

        if (in.u32(local) != kLocalHeaderSig) in.truncated();
        const uint64_t local_name = in.u16(local + 26);
        const uint64_t local_extra = in.u16(local + 28);
        e.data_offset = local + kLocalHeaderSize + local_name + local_extra;
        e.size = compressed;
        in.need(e.data_offset, e.size);
        if (e.method == 0 && compressed != uncompressed) in.truncated();

        index_.emplace(e.name, entries_.size());
        entries_.push_back(std::move(e));
        at += kCentralHeaderSize + uint64_t(name_len) + extra_len + comment_len;
    }
}

const ZipEntry* ZipReader::find(const std::string& name) const {
    const auto it = index_.find(name);
    return it == index_.end() ? nullptr : &entries_[it->second];
}

const uint8_t* ZipReader::data(const ZipEntry& entry) const {
    if (entry.method != 0)
        throw Error(path() + " has a compressed record ('" + entry.name +
                    "'), which cannot be read in place; re-save it with torch.save(obj, path).");
    return file_->data() + entry.data_offset;
}

bool ZipReader::crc_matches(const ZipEntry& entry) const {
    return crc32_update(0, data(entry), static_cast<size_t>(entry.size)) == entry.crc32;
}

}  // namespace ibllm
