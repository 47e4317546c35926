#include "engine/checkpoint/zip_writer.h"

#include "engine/checkpoint/crc32.h"
#include "engine/error.h"

namespace ibllm {

namespace {

constexpr uint64_t kAlignment = 64;  // torch's kFieldAlignment
constexpr uint32_t kSaturated32 = 0xFFFFFFFFu;

// Little-endian byte builder for headers.
struct Le {
    std::string bytes;
    Le& u16(uint64_t v) { return put(v, 2); }
    Le& u32(uint64_t v) { return put(v, 4); }
    Le& u64(uint64_t v) { return put(v, 8); }
    Le& str(const std::string& s) {
        bytes += s;
        return *this;
    }
    Le& put(uint64_t v, int n) {
        for (int k = 0; k < n; ++k) bytes += static_cast<char>((v >> (8 * k)) & 0xFF);
        return *this;
    }
};

// DOS date 1980-01-01 00:00, as torch writes: the archive carries no meaningful time, and
// fixed values keep the output byte-for-byte reproducible.
constexpr uint16_t kDosTime = 0;
constexpr uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;

}  // namespace

ZipWriter::ZipWriter(const std::string& path, bool force_zip64) : out_(path), force_zip64_(force_zip64) {}

void ZipWriter::add(const std::string& name, const void* data, size_t size) {
    const uint64_t offset = out_.position();
    const bool zip64 = force_zip64_ || size >= kSaturated32;

    std::string extra;
    if (zip64) extra = Le().u16(0x0001).u16(16).u64(size).u64(size).bytes;
    // Pad with an "FB" field so the data starts on a 64-byte boundary.
    const uint64_t unpadded = offset + 30 + name.size() + extra.size() + 4;
    const uint64_t padding = (kAlignment - unpadded % kAlignment) % kAlignment;
    extra += Le().u16(0x4246).u16(padding).bytes;  // 'F','B'
    extra.append(static_cast<size_t>(padding), 'Z');

    const uint32_t crc = crc32_update(0, data, size);
    Le h;
    h.u32(0x04034b50).u16(zip64 ? 45 : 20).u16(0).u16(0).u16(kDosTime).u16(kDosDate).u32(crc);
    h.u32(zip64 ? kSaturated32 : size).u32(zip64 ? kSaturated32 : size);
    h.u16(name.size()).u16(extra.size()).str(name).str(extra);
    out_.write(h.bytes.data(), h.bytes.size());
    out_.write(data, size);
    records_.push_back({name, offset, size, crc});
}

void ZipWriter::finish() {
    const uint64_t dir_offset = out_.position();
    for (const Record& r : records_) {
        const bool big_size = force_zip64_ || r.size >= kSaturated32;
        const bool big_offset = force_zip64_ || r.header_offset >= kSaturated32;
        Le x;  // ZIP64 extra: only the saturated fields, in the order the format fixes
        if (big_size) x.u64(r.size).u64(r.size);
        if (big_offset) x.u64(r.header_offset);
        std::string extra;
        if (!x.bytes.empty()) extra = Le().u16(0x0001).u16(x.bytes.size()).str(x.bytes).bytes;

        Le h;
        h.u32(0x02014b50).u16(big_size || big_offset ? 45 : 20).u16(big_size || big_offset ? 45 : 20);
        h.u16(0).u16(0).u16(kDosTime).u16(kDosDate).u32(r.crc);
        h.u32(big_size ? kSaturated32 : r.size).u32(big_size ? kSaturated32 : r.size);
        h.u16(r.name.size()).u16(extra.size()).u16(0).u16(0).u16(0).u32(0);
        h.u32(big_offset ? kSaturated32 : r.header_offset).str(r.name).str(extra);
        out_.write(h.bytes.data(), h.bytes.size());
    }
    const uint64_t dir_size = out_.position() - dir_offset;
    const uint64_t count = records_.size();

    const bool zip64 = force_zip64_ || count >= 0xFFFF || dir_offset >= kSaturated32 || dir_size >= kSaturated32;
    Le tail;
    if (zip64) {
        const uint64_t z64_offset = out_.position();
        tail.u32(0x06064b50).u64(44).u16(45).u16(45).u32(0).u32(0).u64(count).u64(count).u64(dir_size).u64(dir_offset);
        tail.u32(0x07064b50).u32(0).u64(z64_offset).u32(1);
    }
    tail.u32(0x06054b50).u16(0).u16(0);
    tail.u16(zip64 ? 0xFFFF : count).u16(zip64 ? 0xFFFF : count);
    tail.u32(zip64 ? kSaturated32 : dir_size).u32(zip64 ? kSaturated32 : dir_offset).u16(0);
    out_.write(tail.bytes.data(), tail.bytes.size());
    out_.commit();
}

}  // namespace ibllm
