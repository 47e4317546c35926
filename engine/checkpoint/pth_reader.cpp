#include "engine/checkpoint/pth_reader.h"

#include "engine/checkpoint/pickle_reader.h"
#include "engine/checkpoint/zip_reader.h"
#include "engine/error.h"

namespace ibllm {

namespace {

// torch names the archive folder after the file's stem ("consolidated.00"), older writers use
// "archive", and renaming a file keeps the old stem: take whichever single folder holds data.pkl.
const ZipEntry* find_pickle(const ZipReader& zip, std::string& prefix) {
    const ZipEntry* at_root = nullptr;
    for (const ZipEntry& e : zip.entries()) {
        if (e.name == "data.pkl") {
            at_root = &e;
            continue;
        }
        const size_t slash = e.name.find('/');
        if (slash != std::string::npos && e.name.compare(slash, std::string::npos, "/data.pkl") == 0) {
            prefix = e.name.substr(0, slash + 1);
            return &e;
        }
    }
    prefix.clear();
    return at_root;
}

}  // namespace

PthFile read_pth(const std::string& path) {
    PthFile out;
    out.file = MappedFile::open(path);
    const auto zip = std::make_shared<ZipReader>(out.file);

    std::string prefix;
    const ZipEntry* pickle = find_pickle(*zip, prefix);
    if (!pickle)
        throw Error(path + " is a zip archive but not a PyTorch checkpoint (it has no data.pkl); choose a file saved by torch.save.");

    if (const ZipEntry* order = zip->find(prefix + "byteorder")) {
        const std::string value(reinterpret_cast<const char*>(zip->data(*order)), static_cast<size_t>(order->size));
        if (value != "little")
            throw Error(path + " was saved on a big-endian machine; re-save it on a little-endian (x86 or ARM) computer.");
    }

    // data.pkl is small and read in full anyway: its CRC turns a damaged download into a
    // clear message instead of a puzzling parse error.
    if (!zip->crc_matches(*pickle)) throw Error(path + " is truncated or corrupt (its data.pkl fails the checksum); download it again.");

    const StorageResolver storages = [&](const std::string& key) {
        const ZipEntry* e = zip->find(prefix + "data/" + key);
        if (!e) throw Error(path + " is truncated or corrupt (the record of storage '" + key + "' is missing); download it again.");
        StorageRecord r;
        r.data = zip->data(*e);
        r.bytes = static_cast<size_t>(e->size);
        r.owner = out.file;
        return r;
    };
    out.root = read_pickle(zip->data(*pickle), static_cast<size_t>(pickle->size), path, storages);
    return out;
}

}  // namespace ibllm
