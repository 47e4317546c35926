#include "engine/checkpoint/pickle_value.h"

#include <ATen/ATen.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "engine/checkpoint/tensor_format.h"
#include "engine/error.h"

namespace ibllm {

Value Value::boolean(bool v) {
    Value x;
    x.kind = Kind::Bool;
    x.b = v;
    return x;
}

Value Value::integer(int64_t v) {
    Value x;
    x.kind = Kind::Int;
    x.i = v;
    return x;
}

Value Value::real(double v) {
    Value x;
    x.kind = Kind::Float;
    x.f = v;
    return x;
}

Value Value::string(std::string v) {
    Value x;
    x.kind = Kind::String;
    x.s = std::move(v);
    return x;
}

Value Value::bytes(std::string v) {
    Value x;
    x.kind = Kind::Bytes;
    x.s = std::move(v);
    return x;
}

Value Value::list(std::vector<Value> v) {
    Value x;
    x.kind = Kind::List;
    x.items = std::move(v);
    return x;
}

Value Value::tuple(std::vector<Value> v) {
    Value x;
    x.kind = Kind::Tuple;
    x.items = std::move(v);
    return x;
}

Value Value::make_dict(bool ordered) {
    Value x;
    x.kind = Kind::Dict;
    x.ordered = ordered;
    return x;
}

Value Value::from_tensor(at::Tensor t) {
    Value x;
    x.kind = Kind::Tensor;
    x.tensor = std::move(t);
    return x;
}

const Value* Value::find(const std::string& key) const {
    if (kind != Kind::Dict) return nullptr;
    for (const auto& kv : dict)
        if (kv.first.kind == Kind::String && kv.first.s == key) return &kv.second;
    return nullptr;
}

Value& Value::set(const std::string& key, Value v) {
    if (kind != Kind::Dict) throw Error(std::string("Cannot set key '") + key + "' on a " + kind_name(kind) + ".");
    for (auto& kv : dict)
        if (kv.first.kind == Kind::String && kv.first.s == key) return kv.second = std::move(v);
    dict.emplace_back(string(key), std::move(v));
    return dict.back().second;
}

namespace {
[[noreturn]] void wrong_kind(const char* wanted, Value::Kind found) {
    throw Error(std::string("A checkpoint value is a ") + Value::kind_name(found) + " where a " + wanted +
                " was expected.");
}
}  // namespace

bool Value::as_bool() const {
    if (kind != Kind::Bool) wrong_kind("bool", kind);
    return b;
}

int64_t Value::as_int() const {
    if (kind != Kind::Int) wrong_kind("int", kind);
    return i;
}

double Value::as_float() const {
    if (kind == Kind::Int) return static_cast<double>(i);
    if (kind != Kind::Float) wrong_kind("float", kind);
    return f;
}

const std::string& Value::as_string() const {
    if (kind != Kind::String) wrong_kind("str", kind);
    return s;
}

const at::Tensor& Value::as_tensor() const {
    if (kind != Kind::Tensor) wrong_kind("tensor", kind);
    return tensor;
}

const char* Value::kind_name(Kind k) {
    switch (k) {
    case Kind::None: return "None";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::String: return "str";
    case Kind::Bytes: return "bytes";
    case Kind::List: return "list";
    case Kind::Tuple: return "tuple";
    case Kind::Dict: return "dict";
    case Kind::Tensor: return "tensor";
    }
    return "?";
}

std::string python_float_repr(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
    // Shortest digit string that reads back as the same double, like Python's repr.
    char buf[40];
    int digits = 1;
    for (; digits <= 17; ++digits) {
        std::snprintf(buf, sizeof buf, "%.*e", digits - 1, v);
        if (std::strtod(buf, nullptr) == v) break;
    }
    // buf is "-d.ddde±XX": split into sign, mantissa digits and exponent.
    std::string s(buf);
    const bool negative = s[0] == '-';
    if (negative) s.erase(0, 1);
    const size_t e = s.find('e');
    const int exponent = std::atoi(s.c_str() + e + 1);
    std::string mant;
    for (size_t k = 0; k < e; ++k)
        if (s[k] != '.') mant += s[k];
    while (mant.size() > 1 && mant.back() == '0') mant.pop_back();

    std::string out;
    if (exponent >= -4 && exponent < 16) {
        // Positional notation, always with a fractional part ("512.0").
        if (exponent < 0) {
            out = "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + mant;
        } else if (static_cast<size_t>(exponent) + 1 >= mant.size()) {
            out = mant + std::string(static_cast<size_t>(exponent) + 1 - mant.size(), '0') + ".0";
        } else {
            out = mant.substr(0, static_cast<size_t>(exponent) + 1) + "." + mant.substr(static_cast<size_t>(exponent) + 1);
        }
    } else {
        out = mant.substr(0, 1);
        if (mant.size() > 1) out += "." + mant.substr(1);
        char ebuf[16];
        std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
        out += ebuf;
    }
    return negative ? "-" + out : out;
}

namespace {

void append_repr(const Value& v, std::string& out, size_t limit) {
    if (out.size() > limit) return;
    switch (v.kind) {
    case Value::Kind::None: out += "None"; break;
    case Value::Kind::Bool: out += v.b ? "True" : "False"; break;
    case Value::Kind::Int: out += std::to_string(v.i); break;
    case Value::Kind::Float: out += python_float_repr(v.f); break;
    case Value::Kind::String:
    case Value::Kind::Bytes:
        if (v.kind == Value::Kind::Bytes) out += 'b';
        out += '\'';
        for (char c : v.s) {
            if (c == '\'' || c == '\\') out += '\\';
            if (c == '\n') out += "\\n";
            else out += c;
        }
        out += '\'';
        break;
    case Value::Kind::List:
    case Value::Kind::Tuple: {
        const bool list = v.kind == Value::Kind::List;
        out += list ? '[' : '(';
        for (size_t k = 0; k < v.items.size() && out.size() <= limit; ++k) {
            if (k) out += ", ";
            append_repr(v.items[k], out, limit);
        }
        if (!list && v.items.size() == 1) out += ',';
        out += list ? ']' : ')';
        break;
    }
    case Value::Kind::Dict:
        out += '{';
        for (size_t k = 0; k < v.dict.size() && out.size() <= limit; ++k) {
            if (k) out += ", ";
            append_repr(v.dict[k].first, out, limit);
            out += ": ";
            append_repr(v.dict[k].second, out, limit);
        }
        out += '}';
        break;
    case Value::Kind::Tensor: {
        out += "tensor(";
        if (v.tensor.defined()) {
            out += dtype_name(v.tensor.scalar_type());
            out += ", ";
            out += shape_string(v.tensor.sizes());
        }
        out += ')';
        break;
    }
    }
}

}  // namespace

std::string Value::repr(size_t max_chars) const {
    std::string out;
    append_repr(*this, out, max_chars);
    if (out.size() > max_chars + 3) out = out.substr(0, max_chars) + "...";
    return out;
}

}  // namespace ibllm
