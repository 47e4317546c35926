#include "engine/checkpoint/pth_writer.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <vector>

#include "engine/checkpoint/zip_writer.h"
#include "engine/error.h"

namespace ibllm {

namespace {

const char* storage_type(at::ScalarType t) {
    switch (t) {
    case at::kFloat: return "FloatStorage";
    case at::kHalf: return "HalfStorage";
    case at::kBFloat16: return "BFloat16Storage";
    case at::kDouble: return "DoubleStorage";
    case at::kLong: return "LongStorage";
    case at::kInt: return "IntStorage";
    case at::kShort: return "ShortStorage";
    case at::kChar: return "CharStorage";
    case at::kByte: return "ByteStorage";
    case at::kBool: return "BoolStorage";
    default: return nullptr;
    }
}

// Emits the protocol-2 opcodes Python's pickler uses for the same objects (plus BINBYTES,
// which Python 3 reads under any protocol, for bytes).
class PickleWriter {
public:
    PickleWriter(const std::string& path) : path_(path) {}

    std::string finish(const Value& root) {
        op(0x80);
        op(2);  // PROTO 2
        value(root, 0);
        op('.');  // STOP
        return out_;
    }

    // Tensors in the order of their storage keys "0", "1", ...
    const std::vector<at::Tensor>& tensors() const { return tensors_; }

private:
    void op(uint8_t b) { out_ += static_cast<char>(b); }
    void le(uint64_t v, int n) {
        for (int k = 0; k < n; ++k) out_ += static_cast<char>((v >> (8 * k)) & 0xFF);
    }

    void integer(int64_t v) {
        if (v >= 0 && v < 256) {
            op('K');
            le(static_cast<uint64_t>(v), 1);
        } else if (v >= 0 && v < 65536) {
            op('M');
            le(static_cast<uint64_t>(v), 2);
        } else if (v >= INT32_MIN && v <= INT32_MAX) {
            op('J');
            le(static_cast<uint64_t>(v), 4);
        } else {
            // LONG1: the shortest two's-complement encoding.
            std::string bytes;
            uint64_t u = static_cast<uint64_t>(v);
            for (int k = 0; k < 8; ++k) bytes += static_cast<char>((u >> (8 * k)) & 0xFF);
            while (bytes.size() > 1) {
                const uint8_t last = static_cast<uint8_t>(bytes.back());
                const uint8_t prev = static_cast<uint8_t>(bytes[bytes.size() - 2]);
                if ((last == 0x00 && !(prev & 0x80)) || (last == 0xFF && (prev & 0x80))) bytes.pop_back();
                else break;
            }
            op(0x8a);
            le(bytes.size(), 1);
            out_ += bytes;
        }
    }

    void unicode(const std::string& s) {
        op('X');
        le(s.size(), 4);
        out_ += s;
    }

    // GLOBAL once, then BINGET from the memo, as Python does for a repeated global.
    void global(const std::string& module, const std::string& name) {
        const std::string key = module + "\n" + name + "\n";
        const auto it = memo_.find(key);
        if (it != memo_.end()) {
            binget(it->second);
            return;
        }
        op('c');
        out_ += key;
        const uint32_t index = next_memo_++;
        op('r');  // LONG_BINPUT: no 256-entry limit to think about
        le(index, 4);
        memo_.emplace(key, index);
    }
    void binget(uint32_t index) {
        op('j');
        le(index, 4);
    }

    void int_tuple(at::IntArrayRef v) {
        if (v.empty()) {
            op(')');
            return;
        }
        if (v.size() > 3) op('(');
        for (int64_t x : v) integer(x);
        op(v.size() == 1 ? 0x85 : v.size() == 2 ? 0x86 : v.size() == 3 ? 0x87 : 't');
    }

    // torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())
    void tensor(const at::Tensor& t) {
        const char* type = storage_type(t.scalar_type());
        if (!type)
            throw Error("Could not write " + path_ + ": a tensor has dtype " +
                        std::string(c10::toString(t.scalar_type())) + ", which this program does not save.");
        // A meta placeholder is pickled from its shape; its data comes later (streaming form).
        const at::Tensor stored = t.is_meta() ? t.detach() : t.detach().cpu().contiguous();
        if (t.is_meta() && !stored.is_contiguous())
            throw Error("Could not write " + path_ + ": a placeholder tensor is not contiguous.");
        const std::string key = std::to_string(tensors_.size());
        tensors_.push_back(stored);

        global("torch._utils", "_rebuild_tensor_v2");
        op('(');
        op('(');  // the persistent id ('storage', type, key, 'cpu', numel)
        unicode("storage");
        global("torch", type);
        unicode(key);
        unicode("cpu");
        integer(stored.numel());
        op('t');
        op('Q');  // BINPERSID
        integer(0);
        int_tuple(stored.sizes());
        int_tuple(stored.strides());
        op(0x89);  // requires_grad = False
        global("collections", "OrderedDict");
        op(')');
        op('R');
        op('t');
        op('R');
    }

    void value(const Value& v, int depth) {
        if (depth > 100) throw Error("Could not write " + path_ + ": its objects nest more than 100 levels deep.");
        switch (v.kind) {
        case Value::Kind::None: op('N'); break;
        case Value::Kind::Bool: op(v.b ? 0x88 : 0x89); break;
        case Value::Kind::Int: integer(v.i); break;
        case Value::Kind::Float: {
            op('G');
            uint64_t bits;
            std::memcpy(&bits, &v.f, sizeof bits);
            for (int k = 7; k >= 0; --k) out_ += static_cast<char>((bits >> (8 * k)) & 0xFF);  // big-endian
            break;
        }
        case Value::Kind::String: unicode(v.s); break;
        case Value::Kind::Bytes:
            op('B');
            le(v.s.size(), 4);
            out_ += v.s;
            break;
        case Value::Kind::List:
            op(']');
            if (!v.items.empty()) {
                op('(');
                for (const Value& x : v.items) value(x, depth + 1);
                op('e');  // APPENDS
            }
            break;
        case Value::Kind::Tuple:
            if (v.items.empty()) {
                op(')');
                break;
            }
            op('(');
            for (const Value& x : v.items) value(x, depth + 1);
            op('t');
            break;
        case Value::Kind::Dict:
            if (v.ordered) {
                global("collections", "OrderedDict");
                op(')');
                op('R');
            } else {
                op('}');
            }
            if (!v.dict.empty()) {
                op('(');
                for (const auto& kv : v.dict) {
                    value(kv.first, depth + 1);
                    value(kv.second, depth + 1);
                }
                op('u');  // SETITEMS
            }
            break;
        case Value::Kind::Tensor:
            if (!v.tensor.defined()) throw Error("Could not write " + path_ + ": it holds an empty tensor handle.");
            tensor(v.tensor);
            break;
        }
    }

    const std::string& path_;
    std::string out_;
    std::map<std::string, uint32_t> memo_;
    uint32_t next_memo_ = 0;
    std::vector<at::Tensor> tensors_;
};

// torch names the archive folder after the file name without its extension.
std::string archive_stem(const std::string& path) {
    const size_t slash = path.find_last_of('/');
    std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    const size_t dot = name.find_last_of('.');
    if (dot != std::string::npos && dot > 0) name.resize(dot);
    return name.empty() ? "archive" : name;
}

}  // namespace

void write_pth(const std::string& path, const Value& root) { write_pth(path, root, TensorFill()); }

void write_pth(const std::string& path, const Value& root, const TensorFill& fill) {
    PickleWriter pickler(path);
    const std::string pickle = pickler.finish(root);
    const std::string stem = archive_stem(path);

    ZipWriter zip(path);
    zip.add(stem + "/data.pkl", pickle.data(), pickle.size());
    // torch writes the storages in sorted key order ("0", "1", "10", ...).
    std::vector<std::string> keys;
    for (size_t k = 0; k < pickler.tensors().size(); ++k) keys.push_back(std::to_string(k));
    std::sort(keys.begin(), keys.end());
    for (const std::string& key : keys) {
        const size_t index = std::stoul(key);
        at::Tensor t = pickler.tensors()[index];
        if (t.is_meta()) {
            if (!fill) throw Error("Could not write " + path + ": it holds a placeholder tensor but no data was given for it.");
            const at::Tensor placeholder = t;
            t = fill(index, placeholder);
            if (!t.defined() || t.scalar_type() != placeholder.scalar_type() || !t.sizes().equals(placeholder.sizes()))
                throw Error("Could not write " + path + ": the data given for tensor " + key +
                            " does not have its placeholder's shape and dtype.");
            t = t.detach().cpu().contiguous();
        }
        zip.add(stem + "/data/" + key, t.data_ptr(), static_cast<size_t>(t.numel()) * t.element_size());
    }
    const char version[] = "3\n";
    zip.add(stem + "/version", version, 2);
    zip.finish();
}

}  // namespace ibllm
