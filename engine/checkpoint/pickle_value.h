#pragma once
// The plain data a checkpoint's pickle describes: None, bools, ints, floats, strings, bytes,
// lists, tuples, dicts and tensors. The unpickler produces this tree, the .pth writer
// consumes it. Values are copied by value; that is cheap for the small trees a checkpoint
// holds (tensors inside are reference-counted handles, never copied).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ibllm {

struct Value {
    enum class Kind { None, Bool, Int, Float, String, Bytes, List, Tuple, Dict, Tensor };

    Kind kind = Kind::None;
    bool b = false;
    int64_t i = 0;
    double f = 0.0;
    std::string s;                                // String (UTF-8) and Bytes
    std::vector<Value> items;                     // List and Tuple
    std::vector<std::pair<Value, Value>> dict;    // Dict, in insertion order
    bool ordered = false;                         // Dict: a collections.OrderedDict
    at::Tensor tensor;                            // Tensor

    static Value none() { return Value(); }
    static Value boolean(bool v);
    static Value integer(int64_t v);
    static Value real(double v);
    static Value string(std::string v);
    static Value bytes(std::string v);
    static Value list(std::vector<Value> v = {});
    static Value tuple(std::vector<Value> v = {});
    static Value make_dict(bool ordered = false);
    static Value from_tensor(at::Tensor t);

    bool is_none() const { return kind == Kind::None; }
    bool is_bool() const { return kind == Kind::Bool; }
    bool is_int() const { return kind == Kind::Int; }
    bool is_float() const { return kind == Kind::Float; }
    bool is_string() const { return kind == Kind::String; }
    bool is_list() const { return kind == Kind::List; }
    bool is_tuple() const { return kind == Kind::Tuple; }
    bool is_dict() const { return kind == Kind::Dict; }
    bool is_tensor() const { return kind == Kind::Tensor; }

    // Dict lookup by string key; nullptr when absent or when this is not a dict.
    const Value* find(const std::string& key) const;
    // Dict insert-or-replace by string key (keeps the first position of a replaced key).
    Value& set(const std::string& key, Value v);

    // Checked accessors: a wrong kind throws ibllm::Error saying what was found instead.
    bool as_bool() const;
    int64_t as_int() const;
    double as_float() const;  // an Int is accepted too, as Python would
    const std::string& as_string() const;
    const at::Tensor& as_tensor() const;

    // A short Python-like rendering: 'finetune', 1e-06, True, [1, 2], tensor(float16, [64, 64]).
    // Longer results are cut to about max_chars and end in "...".
    std::string repr(size_t max_chars = 80) const;

    static const char* kind_name(Kind k);  // "None", "bool", "int", ... as Python names them
};

// Python's repr() of a float: shortest round-trip digits, "1.0", "1e-06", "inf", "nan".
std::string python_float_repr(double v);

}  // namespace ibllm
