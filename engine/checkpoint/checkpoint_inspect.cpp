#include "engine/checkpoint/checkpoint_inspect.h"

#include <ATen/ATen.h>

#include <cstring>

#include "engine/checkpoint/mapped_file.h"
#include "engine/checkpoint/npy.h"
#include "engine/checkpoint/pth_reader.h"
#include "engine/checkpoint/safetensors.h"
#include "engine/checkpoint/tensor_format.h"
#include "engine/checkpoint/zip_reader.h"
#include "engine/error.h"

namespace ibllm {

namespace {

CheckpointEntryInfo tensor_entry(const std::string& name, const at::Tensor& t) {
    CheckpointEntryInfo e;
    e.name = name;
    e.dtype = dtype_name(t.scalar_type());
    e.shape = t.sizes().vec();
    e.is_tensor = true;
    return e;
}

bool holds_tensor(const Value& v) {
    if (v.is_tensor()) return true;
    for (const Value& x : v.items)
        if (holds_tensor(x)) return true;
    for (const auto& kv : v.dict)
        if (holds_tensor(kv.second)) return true;
    return false;
}

std::string key_text(const Value& key) {
    if (key.is_string()) return key.s;
    if (key.is_int()) return std::to_string(key.i);
    return key.repr(40);
}

void flatten(const Value& v, const std::string& name, std::vector<CheckpointEntryInfo>& out) {
    const std::string prefix = name.empty() ? "" : name + ".";
    if (v.is_tensor()) {
        out.push_back(tensor_entry(name, v.tensor));
        return;
    }
    if (v.is_dict() && !v.dict.empty()) {
        for (const auto& kv : v.dict) flatten(kv.second, prefix + key_text(kv.first), out);
        return;
    }
    if ((v.is_list() || v.is_tuple()) && holds_tensor(v)) {
        for (size_t k = 0; k < v.items.size(); ++k) flatten(v.items[k], prefix + std::to_string(k), out);
        return;
    }
    CheckpointEntryInfo e;
    e.name = name;
    e.dtype = Value::kind_name(v.kind);
    if (v.is_none()) e.dtype = "NoneType";
    e.value = v.repr();
    out.push_back(std::move(e));
}

bool has_suffix(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string file_name(const std::string& path) {
    const size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::vector<CheckpointEntryInfo> inspect_checkpoint_entries(const std::string& path) {
    std::vector<CheckpointEntryInfo> out;
    bool is_pth = false, is_npy = false, is_safetensors = false;
    {
        const auto file = MappedFile::open(path);
        const uint8_t* p = file->data();
        const size_t n = file->size();
        is_npy = n >= 6 && std::memcmp(p, "\x93NUMPY", 6) == 0;
        is_pth = (n >= 2 && p[0] == 'P' && p[1] == 'K') || is_legacy_torch_file(p, n);
        is_safetensors = !is_npy && !is_pth && (has_suffix(path, ".safetensors") || looks_like_safetensors(p, n));
    }
    if (is_npy) {
        out.push_back(tensor_entry(file_name(path), read_npy(path)));
    } else if (is_safetensors) {
        const SafetensorsFile st = read_safetensors(path);
        for (const auto& nt : st.tensors) out.push_back(tensor_entry(nt.first, nt.second));
        for (const auto& kv : st.metadata) {
            CheckpointEntryInfo e;
            e.name = "__metadata__." + kv.first;
            e.dtype = "str";
            e.value = Value::string(kv.second).repr();
            out.push_back(std::move(e));
        }
    } else if (is_pth || has_suffix(path, ".pth") || has_suffix(path, ".pt")) {
        // read_pth gives the precise message (legacy format, not a zip, truncated...).
        flatten(read_pth(path).root, "", out);
    } else {
        throw Error(path + " is not a checkpoint this program can read; choose a .pth, .safetensors or .npy file.");
    }
    return out;
}

}  // namespace ibllm
