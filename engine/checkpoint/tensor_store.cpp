#include "engine/checkpoint/tensor_store.h"

#include <ATen/ATen.h>

#include "engine/checkpoint/mapped_file.h"
#include "engine/checkpoint/pth_reader.h"
#include "engine/checkpoint/safetensors.h"
#include "engine/error.h"

namespace ibllm {

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// Dict keys become name parts; ints as Python would print them.
std::string key_part(const Value& key) {
    if (key.is_string()) return key.s;
    if (key.is_int()) return std::to_string(key.i);
    return key.repr(40);
}

void collect_tensors(const Value& v, const std::string& name, TensorStore& store) {
    const std::string prefix = name.empty() ? "" : name + ".";
    switch (v.kind) {
    case Value::Kind::Tensor: store.add(name, v.tensor); break;
    case Value::Kind::Dict:
        for (const auto& kv : v.dict) collect_tensors(kv.second, prefix + key_part(kv.first), store);
        break;
    case Value::Kind::List:
    case Value::Kind::Tuple:
        for (size_t k = 0; k < v.items.size(); ++k) collect_tensors(v.items[k], prefix + std::to_string(k), store);
        break;
    default: break;  // numbers, strings: settings, not weights
    }
}

std::string listing(const Value& dict) {
    std::string s;
    size_t shown = 0;
    for (const auto& kv : dict.dict) {
        if (shown == 5) {
            s += ", ...";
            break;
        }
        s += (shown++ ? ", '" : "'") + key_part(kv.first) + "'";
    }
    return s.empty() ? "nothing" : s;
}

}  // namespace

TensorStore::TensorStore(std::string source_path) : source_(std::move(source_path)) {}

void TensorStore::add(const std::string& name, const at::Tensor& t) {
    if (tensors_.find(name) == tensors_.end()) names_.push_back(name);
    tensors_[name] = t;
}

bool TensorStore::contains(const std::string& name) const { return tensors_.find(name) != tensors_.end(); }

at::Tensor TensorStore::get(const std::string& name) const {
    const auto it = tensors_.find(name);
    if (it != tensors_.end()) return it->second;

    // A prefix difference ("model.", "module.", "llama.") is the usual cause: name the stored
    // tensor that matches except for it.
    std::string hint;
    for (const std::string& n : names_)
        if (ends_with(n, "." + name) || ends_with(name, "." + n)) {
            hint = "it has '" + n + "'";
            break;
        }
    if (hint.empty()) {
        hint = names_.empty() ? "it holds no tensors at all"
                              : "it holds " + std::to_string(names_.size()) + " tensors such as '" + names_.front() + "'";
    }
    throw Error(source_ + " has no tensor '" + name + "'; is this the right checkpoint (" + hint + ")?");
}

at::Tensor TensorStore::get(const std::string& name, at::IntArrayRef expected_shape) const {
    at::Tensor t = get(name);
    if (t.sizes() != expected_shape)
        throw Error(source_ + ": '" + name + "' has shape " + shape_string(t.sizes()) + " but the model needs " +
                    shape_string(expected_shape) + "; this checkpoint does not belong with the other model files.");
    return t;
}

TensorStore TensorStore::from_pth(const std::string& path, const std::string& subkey) {
    const PthFile pth = read_pth(path);
    const Value* root = &pth.root;
    if (!subkey.empty()) {
        if (!root->is_dict())
            throw Error(path + " holds a " + Value::kind_name(root->kind) + ", not a dict with '" + subkey +
                        "'; is this the right checkpoint?");
        root = pth.root.find(subkey);
        if (!root)
            throw Error(path + " has no '" + subkey + "' entry; is this the right checkpoint (it has " +
                        listing(pth.root) + ")?");
    }
    if (!root->is_dict() && !root->is_tensor() && !root->is_list() && !root->is_tuple())
        throw Error(path + " holds no tensors (its content is a " + std::string(Value::kind_name(root->kind)) +
                    "); is this the right checkpoint?");
    TensorStore store(path);
    store.file_ = pth.file;
    collect_tensors(*root, "", store);
    return store;
}

TensorStore TensorStore::with_prefix(const std::string& prefix) const {
    TensorStore store(source_);
    store.file_ = file_;
    for (const std::string& n : names_)
        if (n.compare(0, prefix.size(), prefix) == 0) store.add(n.substr(prefix.size()), tensors_.at(n));
    return store;
}

TensorStore TensorStore::from_safetensors(const std::string& path) {
    SafetensorsFile file = read_safetensors(path);
    TensorStore store(path);
    store.file_ = file.file;
    for (auto& nt : file.tensors) store.add(nt.first, nt.second);
    return store;
}

void TensorStore::release_pages(const at::Tensor& t) const {
    if (!file_ || !t.defined()) return;
    const size_t bytes = static_cast<size_t>(t.numel()) * t.element_size();
    if (file_->contains(t.data_ptr(), bytes)) file_->release(t.data_ptr(), bytes);
}

}  // namespace ibllm
