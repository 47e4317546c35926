#include "engine/checkpoint/safetensors.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>

#include "engine/checkpoint/atomic_file.h"
#include "engine/error.h"

namespace ibllm {

namespace {

struct DtypeName {
    const char* name;
    at::ScalarType type;
};

const DtypeName kDtypes[] = {
    {"F32", at::kFloat}, {"F16", at::kHalf}, {"BF16", at::kBFloat16}, {"F64", at::kDouble}, {"I64", at::kLong},
    {"I32", at::kInt},   {"I16", at::kShort}, {"I8", at::kChar},      {"U8", at::kByte},    {"BOOL", at::kBool},
};

// The safetensors reference implementation refuses headers above 100 MB; so do we, which
// also keeps a corrupt length from allocating gigabytes.
constexpr uint64_t kMaxHeader = 100u << 20;

uint64_t read_u64(const uint8_t* p) {
    uint64_t v = 0;
    for (int k = 7; k >= 0; --k) v = (v << 8) | p[k];
    return v;
}

}  // namespace

bool looks_like_safetensors(const uint8_t* data, size_t size) {
    if (size < 10) return false;
    const uint64_t n = read_u64(data);
    return n >= 2 && n <= size - 8 && data[8] == '{';
}

SafetensorsFile read_safetensors(const std::string& path) {
    SafetensorsFile out;
    out.file = MappedFile::open(path);
    const uint8_t* base = out.file->data();
    const uint64_t size = out.file->size();
    const auto corrupt = [&](const std::string& detail) {
        return Error(path + " is truncated or corrupt (" + detail + "); download it again.");
    };

    if (size < 8) throw corrupt("it is shorter than a safetensors header");
    const uint64_t header_size = read_u64(base);
    if (header_size > kMaxHeader || (size > 8 && base[8] != '{'))
        throw Error(path + " is not a safetensors file; choose a .safetensors file or a .pth checkpoint.");
    if (header_size > size - 8) throw corrupt("its header runs past the end of the file");
    const uint8_t* data = base + 8 + header_size;
    const uint64_t data_size = size - 8 - header_size;

    nlohmann::ordered_json header;
    try {
        header = nlohmann::ordered_json::parse(base + 8, base + 8 + header_size);
    } catch (const nlohmann::json::exception&) {
        throw corrupt("its header is not valid JSON");
    }
    if (!header.is_object()) throw corrupt("its header is not a JSON object");

    try {
        for (const auto& item : header.items()) {
            const std::string& name = item.key();
            const auto& spec = item.value();
            if (name == "__metadata__") {
                if (!spec.is_object()) throw corrupt("its __metadata__ is not an object");
                for (const auto& m : spec.items()) {
                    if (!m.value().is_string()) throw corrupt("its __metadata__ holds a value that is not a string");
                    out.metadata[m.key()] = m.value().get<std::string>();
                }
                continue;
            }
            const std::string dtype_text = spec.at("dtype").get<std::string>();
            const DtypeName* dtype = nullptr;
            for (const auto& d : kDtypes)
                if (dtype_text == d.name) dtype = &d;
            if (!dtype)
                throw Error(path + " stores '" + name + "' as " + dtype_text.substr(0, 40) +
                            ", which this program cannot read; convert it to F16, BF16 or F32.");

            std::vector<int64_t> shape;
            uint64_t numel = 1;
            bool overflow = false;
            for (const auto& d : spec.at("shape")) {
                const int64_t n = d.get<int64_t>();
                if (n < 0) throw corrupt("'" + name + "' has a negative size");
                overflow = overflow || __builtin_mul_overflow(numel, static_cast<uint64_t>(n), &numel);
                shape.push_back(n);
            }
            const auto& offsets = spec.at("data_offsets");
            if (!offsets.is_array() || offsets.size() != 2) throw corrupt("'" + name + "' has malformed data_offsets");
            const uint64_t begin = offsets[0].get<uint64_t>();
            const uint64_t end = offsets[1].get<uint64_t>();
            const uint64_t elem = c10::elementSize(dtype->type);
            uint64_t bytes = 0;
            overflow = overflow || __builtin_mul_overflow(numel, elem, &bytes);
            if (overflow || begin > end || end > data_size || end - begin != bytes)
                throw corrupt("the bytes of '" + name + "' do not match its shape or lie outside the file");

            const auto options = at::TensorOptions().dtype(dtype->type);
            const uint8_t* p = data + begin;
            at::Tensor t;
            if (reinterpret_cast<uintptr_t>(p) % elem == 0) {
                std::shared_ptr<const void> owner = out.file;
                t = at::from_blob(const_cast<uint8_t*>(p), shape, [owner](void*) {}, options);
            } else {
                // The format does not promise alignment; a misaligned element pointer is not
                // valid C++, so such a tensor is copied.
                t = at::empty(shape, options);
                std::memcpy(t.data_ptr(), p, bytes);
            }
            out.tensors.emplace_back(name, std::move(t));
        }
    } catch (const nlohmann::json::exception&) {
        throw corrupt("its header describes a tensor without a valid dtype, shape or data_offsets");
    }
    return out;
}

void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata) {
    // Larger elements first (stable, so the caller's order holds within a dtype size): every
    // tensor then starts at a multiple of its element size, since the data section starts
    // 8-byte aligned and holes between tensors are not allowed by the format.
    std::vector<size_t> order(tensors.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return tensors[a].second.element_size() > tensors[b].second.element_size();
    });

    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) {
        nlohmann::ordered_json m = nlohmann::ordered_json::object();
        for (const auto& kv : metadata) m[kv.first] = kv.second;
        header["__metadata__"] = m;
    }
    uint64_t offset = 0;
    for (size_t k : order) {
        const std::string& name = tensors[k].first;
        const at::Tensor& t = tensors[k].second;
        const DtypeName* dtype = nullptr;
        for (const auto& d : kDtypes)
            if (t.scalar_type() == d.type) dtype = &d;
        if (!dtype)
            throw Error("Could not write " + path + ": tensor '" + name + "' has dtype " +
                        std::string(c10::toString(t.scalar_type())) + ", which safetensors files here cannot hold.");
        if (header.contains(name)) throw Error("Could not write " + path + ": the tensor name '" + name + "' is used twice.");
        const uint64_t bytes = static_cast<uint64_t>(t.numel()) * t.element_size();
        header[name] = {{"dtype", dtype->name}, {"shape", t.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }

    std::string text = header.dump();
    text.append((8 - (8 + text.size()) % 8) % 8, ' ');
    uint8_t length[8];
    for (int k = 0; k < 8; ++k) length[k] = static_cast<uint8_t>(static_cast<uint64_t>(text.size()) >> (8 * k));

    AtomicFileWriter out(path);
    out.write(length, sizeof length);
    out.write(text.data(), text.size());
    for (size_t k : order) {
        const at::Tensor t = tensors[k].second.cpu().contiguous();
        out.write(t.data_ptr(), static_cast<size_t>(t.numel()) * t.element_size());
    }
    out.commit();
}

}  // namespace ibllm
