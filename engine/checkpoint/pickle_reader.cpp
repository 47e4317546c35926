#include "engine/checkpoint/pickle_reader.h"

#include <ATen/ATen.h>

#include <cstring>
#include <unordered_map>
#include <vector>

#include "engine/error.h"

namespace ibllm {

namespace {

// Pickle opcodes (Python's Lib/pickle.py names).
enum Op : uint8_t {
    MARK = '(', STOP = '.', POP = '0', POP_MARK = '1', DUP = '2', BININT = 'J', BININT1 = 'K',
    BININT2 = 'M', NONE = 'N', BINPERSID = 'Q', REDUCE = 'R', BINSTRING = 'T', SHORT_BINSTRING = 'U',
    BINUNICODE = 'X', APPEND = 'a', BUILD = 'b', GLOBAL = 'c', DICT = 'd', EMPTY_DICT = '}',
    APPENDS = 'e', BINGET = 'h', LONG_BINGET = 'j', LIST = 'l', EMPTY_LIST = ']', BINPUT = 'q',
    LONG_BINPUT = 'r', SETITEM = 's', TUPLE = 't', EMPTY_TUPLE = ')', SETITEMS = 'u', BINFLOAT = 'G',
    PROTO = 0x80, NEWOBJ = 0x81, TUPLE1 = 0x85, TUPLE2 = 0x86, TUPLE3 = 0x87, NEWTRUE = 0x88,
    NEWFALSE = 0x89, LONG1 = 0x8a, LONG4 = 0x8b, BINBYTES = 'B', SHORT_BINBYTES = 'C',
    SHORT_BINUNICODE = 0x8c, BINUNICODE8 = 0x8d, BINBYTES8 = 0x8e, STACK_GLOBAL = 0x93, MEMOIZE = 0x94,
    FRAME = 0x95,
};

// The callables a checkpoint may name.
enum class Callable { OrderedDict, RebuildTensorV2, RebuildParameter, ScalarType };

// One object on the unpickler's stack. Containers are mutable and shared through the memo
// (SETITEMS fills a dict after BINPUT stored it), so objects live in an arena and are
// referred to by pointer; the arena frees them flat, whatever cycles or depth a hostile
// pickle builds.
struct Node {
    enum class Type { Data, Global, Storage };
    Type type = Type::Data;

    // Data: the same fields as Value, with children as nodes.
    Value::Kind kind = Value::Kind::None;
    bool b = false;
    int64_t i = 0;
    double f = 0;
    std::string s;
    std::vector<Node*> items;
    std::vector<std::pair<Node*, Node*>> dict;
    std::unordered_map<std::string, size_t> string_keys;  // dict position of each str key
    bool ordered = false;
    at::Tensor tensor;

    // Global: what it names. Storage: the storage's dtype too.
    Callable callable = Callable::OrderedDict;
    std::string qualified_name;
    at::ScalarType dtype = at::ScalarType::Float;

    // Storage.
    StorageRecord record;
    int64_t numel = 0;
};

struct ScalarTypeName {
    const char* name;
    at::ScalarType type;
};

// torch.<X>Storage (the only form torch.save writes, also for TypedStorage in torch 2) and
// torch.<dtype> (which a pickled dtype object becomes).
const ScalarTypeName kStorageTypes[] = {
    {"FloatStorage", at::kFloat}, {"HalfStorage", at::kHalf},   {"BFloat16Storage", at::kBFloat16},
    {"LongStorage", at::kLong},   {"IntStorage", at::kInt},     {"ShortStorage", at::kShort},
    {"CharStorage", at::kChar},   {"ByteStorage", at::kByte},   {"BoolStorage", at::kBool},
    {"DoubleStorage", at::kDouble},
};
const ScalarTypeName kDtypes[] = {
    {"float32", at::kFloat}, {"float", at::kFloat},   {"float16", at::kHalf}, {"half", at::kHalf},
    {"bfloat16", at::kBFloat16}, {"float64", at::kDouble}, {"double", at::kDouble}, {"int64", at::kLong},
    {"long", at::kLong},     {"int32", at::kInt},     {"int", at::kInt},      {"int16", at::kShort},
    {"short", at::kShort},   {"int8", at::kChar},     {"uint8", at::kByte},   {"bool", at::kBool},
};
// Real torch dtypes this program does not handle: named as unsupported rather than refused.
const char* const kUnsupportedDtypes[] = {
    "complex32", "complex64", "complex128", "cfloat", "cdouble", "chalf", "qint8", "quint8",
    "qint32", "quint4x2", "quint2x4", "float8_e4m3fn", "float8_e5m2", "uint16", "uint32", "uint64",
};

class Unpickler {
public:
    Unpickler(const uint8_t* data, size_t size, const std::string& source, const StorageResolver& storages)
        : data_(data), size_(size), source_(source), storages_(storages) {}

    Value run() {
        while (true) {
            const size_t at = pos_;
            const uint8_t op = u8();
            if (op == STOP) {
                Node* result = pop();
                // A converted tree may repeat shared subtrees; bound the total so that a tiny
                // pickle cannot expand into an enormous tree (each reference costs >= 2 bytes).
                budget_ = 16 * size_ + 100000;
                return to_value(result, 0);
            }
            step(op, at);
        }
    }

private:
    // ---- errors --------------------------------------------------------------------------
    [[noreturn]] void corrupt(const std::string& detail) const {
        throw Error(source_ + " is truncated or corrupt (" + detail + "); download it again.");
    }
    [[noreturn]] void corrupt_at(size_t at, const std::string& detail) const {
        corrupt(detail + " at byte " + std::to_string(at) + " of its pickle");
    }

    // ---- reading -------------------------------------------------------------------------
    const uint8_t* take(uint64_t n) {
        if (n > size_ - pos_) corrupt("its pickle ends early");
        const uint8_t* p = data_ + pos_;
        pos_ += static_cast<size_t>(n);
        return p;
    }
    uint64_t uint_le(int n) {
        const uint8_t* p = take(static_cast<uint64_t>(n));
        uint64_t v = 0;
        for (int k = n - 1; k >= 0; --k) v = (v << 8) | p[k];
        return v;
    }
    uint8_t u8() { return static_cast<uint8_t>(uint_le(1)); }
    std::string line() {
        const void* nl = std::memchr(data_ + pos_, '\n', size_ - pos_);
        if (!nl) corrupt("its pickle ends early");
        const size_t n = static_cast<size_t>(static_cast<const uint8_t*>(nl) - (data_ + pos_));
        std::string s(reinterpret_cast<const char*>(take(n)), n);
        pos_ += 1;
        return s;
    }
    std::string text(uint64_t n) {
        const uint8_t* p = take(n);
        return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
    }

    // ---- the stack -----------------------------------------------------------------------
    Node* make(Node::Type type = Node::Type::Data, Value::Kind kind = Value::Kind::None) {
        arena_.push_back(std::make_unique<Node>());
        Node* n = arena_.back().get();
        n->type = type;
        n->kind = kind;
        return n;
    }
    void push(Node* n) { stack_.push_back(n); }
    size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
    Node* pop() {
        if (stack_.size() <= floor()) corrupt_at(pos_ - 1, "a pickle opcode found too few values");
        Node* n = stack_.back();
        stack_.pop_back();
        return n;
    }
    Node* top() {
        if (stack_.size() <= floor()) corrupt_at(pos_ - 1, "a pickle opcode found too few values");
        return stack_.back();
    }
    std::vector<Node*> pop_mark() {
        if (marks_.empty()) corrupt_at(pos_ - 1, "a pickle opcode found no mark");
        const size_t m = marks_.back();
        marks_.pop_back();
        std::vector<Node*> items(stack_.begin() + static_cast<std::ptrdiff_t>(m), stack_.end());
        stack_.resize(m);
        return items;
    }

    // ---- memo ----------------------------------------------------------------------------
    void put(uint64_t index) { memo_[index] = top(); }
    void get(uint64_t index) {
        const auto it = memo_.find(index);
        if (it == memo_.end()) corrupt_at(pos_ - 1, "a pickle refers to an object it never stored");
        push(it->second);
    }

    // ---- values --------------------------------------------------------------------------
    Node* scalar_int(int64_t v) {
        Node* n = make(Node::Type::Data, Value::Kind::Int);
        n->i = v;
        return n;
    }
    Node* string_node(std::string s, Value::Kind kind = Value::Kind::String) {
        Node* n = make(Node::Type::Data, kind);
        n->s = std::move(s);
        return n;
    }
    Node* tuple_node(std::vector<Node*> items) {
        Node* n = make(Node::Type::Data, Value::Kind::Tuple);
        n->items = std::move(items);
        return n;
    }
    Node* dict_node(bool ordered) {
        Node* n = make(Node::Type::Data, Value::Kind::Dict);
        n->ordered = ordered;
        return n;
    }
    // LONG1/LONG4: little-endian two's complement of any length; a checkpoint needs 64 bits.
    int64_t long_value(uint64_t n) {
        const uint8_t* p = take(n);
        if (n == 0) return 0;
        const bool negative = (p[n - 1] & 0x80) != 0;
        const uint64_t used = n < 8 ? n : 8;
        // Longer encodings are fine as long as the extra bytes only repeat the sign.
        bool fits = n <= 8 || ((p[7] & 0x80) != 0) == negative;
        for (uint64_t k = used; k < n; ++k) fits = fits && p[k] == (negative ? 0xFF : 0x00);
        if (!fits) corrupt_at(pos_, "a pickled integer does not fit in 64 bits");
        uint64_t v = negative ? ~uint64_t(0) : 0;  // sign-extend the short encodings
        for (uint64_t k = 0; k < used; ++k) v = (v & ~(uint64_t(0xFF) << (8 * k))) | (uint64_t(p[k]) << (8 * k));
        return static_cast<int64_t>(v);
    }
    double binfloat() {
        const uint8_t* p = take(8);
        uint64_t bits = 0;
        for (int k = 0; k < 8; ++k) bits = (bits << 8) | p[k];  // big-endian in pickles
        double d;
        std::memcpy(&d, &bits, sizeof d);
        return d;
    }

    void set_item(Node* dict, Node* key, Node* value) {
        if (dict->type != Node::Type::Data || dict->kind != Value::Kind::Dict)
            corrupt_at(pos_ - 1, "a pickle sets an item on something that is not a dict");
        if (key->type == Node::Type::Data && key->kind == Value::Kind::String) {
            const auto it = dict->string_keys.find(key->s);
            if (it != dict->string_keys.end()) {
                dict->dict[it->second].second = value;  // Python keeps the first position
                return;
            }
            dict->string_keys.emplace(key->s, dict->dict.size());
        }
        dict->dict.emplace_back(key, value);
    }

    void append(Node* list, const std::vector<Node*>& items) {
        if (list->type != Node::Type::Data || list->kind != Value::Kind::List)
            corrupt_at(pos_ - 1, "a pickle appends to something that is not a list");
        list->items.insert(list->items.end(), items.begin(), items.end());
    }

    // ---- globals -------------------------------------------------------------------------
    Node* global(const std::string& module, const std::string& name) {
        Node* n = make(Node::Type::Global);
        n->qualified_name = module + "." + name;
        // Names come from the file: keep a hostile one from flooding the message.
        const std::string shown = n->qualified_name.size() > 100 ? n->qualified_name.substr(0, 100) + "..." : n->qualified_name;
        if (module == "collections" && name == "OrderedDict") {
            n->callable = Callable::OrderedDict;
            return n;
        }
        if (module == "torch._utils" && name == "_rebuild_tensor_v2") {
            n->callable = Callable::RebuildTensorV2;
            return n;
        }
        if (module == "torch._utils" && name == "_rebuild_parameter") {
            n->callable = Callable::RebuildParameter;
            return n;
        }
        if (module == "torch") {
            for (const auto& t : kStorageTypes)
                if (name == t.name) {
                    n->callable = Callable::ScalarType;
                    n->dtype = t.type;
                    return n;
                }
            for (const auto& t : kDtypes)
                if (name == t.name) {
                    n->callable = Callable::ScalarType;
                    n->dtype = t.type;
                    return n;
                }
            bool unsupported = name.size() > 7 && name.compare(name.size() - 7, 7, "Storage") == 0;
            for (const char* d : kUnsupportedDtypes) unsupported = unsupported || name == d;
            if (unsupported)
                throw Error(source_ + " stores tensors of type torch." + name +
                            ", which this program cannot read; convert them to float16, bfloat16 or float32.");
        }
        throw Error(source_ + " contains the object '" + shown +
                    "', which a checkpoint never needs; it was refused and not executed.");
    }

    // ---- persistent ids: ('storage', StorageType, key, location, numel) --------------------
    Node* persistent_load(Node* pid) {
        if (pid->type != Node::Type::Data || pid->kind != Value::Kind::Tuple || pid->items.size() != 5)
            corrupt_at(pos_ - 1, "a storage reference is malformed");
        Node* tag = pid->items[0];
        Node* type = pid->items[1];
        Node* key = pid->items[2];
        Node* numel = pid->items[4];
        if (tag->kind != Value::Kind::String || tag->s != "storage" || type->type != Node::Type::Global ||
            type->callable != Callable::ScalarType || key->kind != Value::Kind::String ||
            numel->kind != Value::Kind::Int || numel->i < 0)
            corrupt_at(pos_ - 1, "a storage reference is malformed");

        Node* n = make(Node::Type::Storage);
        n->dtype = type->dtype;
        n->numel = numel->i;
        n->s = key->s;
        n->record = storages_(key->s);
        const uint64_t elem = c10::elementSize(n->dtype);
        if (static_cast<uint64_t>(n->numel) > n->record.bytes / elem)
            corrupt("storage '" + key->s + "' is smaller than its tensors need");
        return n;
    }

    // ---- calls ---------------------------------------------------------------------------
    static bool is_int_sequence(const Node* n) {
        if (n->type != Node::Type::Data || (n->kind != Value::Kind::Tuple && n->kind != Value::Kind::List)) return false;
        for (const Node* x : n->items)
            if (x->type != Node::Type::Data || x->kind != Value::Kind::Int) return false;
        return true;
    }

    // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    Node* rebuild_tensor(const std::vector<Node*>& args) {
        if (args.size() < 4 || args[0]->type != Node::Type::Storage || args[1]->kind != Value::Kind::Int ||
            args[1]->type != Node::Type::Data || !is_int_sequence(args[2]) || !is_int_sequence(args[3]) ||
            args[2]->items.size() != args[3]->items.size())
            corrupt_at(pos_ - 1, "a tensor description is malformed");
        const Node* storage = args[0];
        const int64_t offset = args[1]->i;
        std::vector<int64_t> sizes, strides;
        for (const Node* x : args[2]->items) sizes.push_back(x->i);
        for (const Node* x : args[3]->items) strides.push_back(x->i);

        // The view must lie inside its storage: the last element it can reach is
        // offset + sum((size - 1) * stride). Overflow-checked, since every number is untrusted.
        bool empty = false;
        int64_t last = offset;
        bool overflow = offset < 0;
        for (size_t d = 0; d < sizes.size(); ++d) {
            if (sizes[d] < 0 || strides[d] < 0) overflow = true;
            if (sizes[d] == 0) empty = true;
        }
        if (overflow) corrupt("a tensor has a negative size, stride or offset");
        int64_t count = 1;
        for (size_t d = 0; d < sizes.size() && !empty; ++d) {
            int64_t reach = 0;
            if (__builtin_mul_overflow(sizes[d] - 1, strides[d], &reach) || __builtin_add_overflow(last, reach, &last) ||
                __builtin_mul_overflow(count, sizes[d], &count))
                corrupt("a tensor's shape is impossibly large");
        }
        const auto options = at::TensorOptions().dtype(storage->dtype);
        Node* n = make(Node::Type::Data, Value::Kind::Tensor);
        if (empty) {
            n->tensor = at::empty(sizes, options);
            return n;
        }
        if (last >= storage->numel) corrupt("a tensor reaches past the end of its storage '" + storage->s + "'");

        const size_t elem = c10::elementSize(storage->dtype);
        const uint8_t* begin = storage->record.data + static_cast<size_t>(offset) * elem;
        const size_t span = static_cast<size_t>(last - offset + 1);
        if (reinterpret_cast<uintptr_t>(begin) % elem == 0) {
            // Zero-copy: the mapping is read-only and never written through this tensor (see header).
            std::shared_ptr<const void> owner = storage->record.owner;
            n->tensor = at::from_blob(const_cast<uint8_t*>(begin), sizes, strides, [owner](void*) {}, options);
        } else {
            // Records written by torch are 64-byte aligned; other writers may not be, and a
            // misaligned element pointer is not valid C++. Copy just this tensor.
            at::Tensor buffer = at::empty({static_cast<int64_t>(span)}, options);
            std::memcpy(buffer.data_ptr(), begin, span * elem);
            n->tensor = buffer.as_strided(sizes, strides, 0);
        }
        return n;
    }

    Node* call(Node* callable, Node* args, bool newobj) {
        if (callable->type != Node::Type::Global) corrupt_at(pos_ - 1, "a pickle calls something that is not a function");
        if (args->type != Node::Type::Data || args->kind != Value::Kind::Tuple)
            corrupt_at(pos_ - 1, "a pickle calls a function without an argument tuple");
        const std::vector<Node*>& a = args->items;
        switch (callable->callable) {
        case Callable::OrderedDict:
            // OrderedDict pickles as OrderedDict() followed by SETITEMS.
            if (!a.empty()) corrupt_at(pos_ - 1, "an OrderedDict is built from unexpected arguments");
            return dict_node(true);
        case Callable::RebuildTensorV2:
            if (newobj) break;
            return rebuild_tensor(a);
        case Callable::RebuildParameter:
            // _rebuild_parameter(data, requires_grad, backward_hooks): a Parameter is its tensor.
            if (newobj || a.empty() || a[0]->type != Node::Type::Data || a[0]->kind != Value::Kind::Tensor) break;
            return a[0];
        case Callable::ScalarType:
            break;
        }
        corrupt_at(pos_ - 1, "'" + callable->qualified_name + "' is called in a way torch.save never writes");
    }

    // ---- the opcode loop -----------------------------------------------------------------
    void step(uint8_t op, size_t at) {
        switch (op) {
        case PROTO: u8(); break;
        case FRAME: uint_le(8); break;  // frames only group opcodes; the bytes follow in line
        case MARK: marks_.push_back(stack_.size()); break;
        case POP: pop(); break;
        case POP_MARK: pop_mark(); break;
        case DUP: push(top()); break;

        case NONE: push(make()); break;
        case NEWTRUE:
        case NEWFALSE: {
            Node* n = make(Node::Type::Data, Value::Kind::Bool);
            n->b = op == NEWTRUE;
            push(n);
            break;
        }
        case BININT: push(scalar_int(static_cast<int32_t>(uint_le(4)))); break;
        case BININT1: push(scalar_int(static_cast<int64_t>(uint_le(1)))); break;
        case BININT2: push(scalar_int(static_cast<int64_t>(uint_le(2)))); break;
        case LONG1: push(scalar_int(long_value(uint_le(1)))); break;
        case LONG4: push(scalar_int(long_value(uint_le(4)))); break;
        case BINFLOAT: {
            Node* n = make(Node::Type::Data, Value::Kind::Float);
            n->f = binfloat();
            push(n);
            break;
        }

        case SHORT_BINUNICODE:
        case SHORT_BINSTRING: push(string_node(text(uint_le(1)))); break;
        case BINUNICODE:
        case BINSTRING: push(string_node(text(uint_le(4)))); break;
        case BINUNICODE8: push(string_node(text(uint_le(8)))); break;
        case SHORT_BINBYTES: push(string_node(text(uint_le(1)), Value::Kind::Bytes)); break;
        case BINBYTES: push(string_node(text(uint_le(4)), Value::Kind::Bytes)); break;
        case BINBYTES8: push(string_node(text(uint_le(8)), Value::Kind::Bytes)); break;

        case EMPTY_LIST: push(make(Node::Type::Data, Value::Kind::List)); break;
        case LIST: {
            Node* n = make(Node::Type::Data, Value::Kind::List);
            n->items = pop_mark();
            push(n);
            break;
        }
        case APPEND: {
            Node* v = pop();
            append(top(), {v});
            break;
        }
        case APPENDS: {
            std::vector<Node*> items = pop_mark();
            append(top(), items);
            break;
        }

        case EMPTY_TUPLE: push(tuple_node({})); break;
        case TUPLE: push(tuple_node(pop_mark())); break;
        case TUPLE1: {
            Node* a = pop();
            push(tuple_node({a}));
            break;
        }
        case TUPLE2: {
            Node* b = pop();
            Node* a = pop();
            push(tuple_node({a, b}));
            break;
        }
        case TUPLE3: {
            Node* c = pop();
            Node* b = pop();
            Node* a = pop();
            push(tuple_node({a, b, c}));
            break;
        }

        case EMPTY_DICT: push(dict_node(false)); break;
        case DICT: {
            std::vector<Node*> kv = pop_mark();
            if (kv.size() % 2) corrupt_at(at, "a dict has a key without a value");
            Node* d = dict_node(false);
            for (size_t k = 0; k < kv.size(); k += 2) set_item(d, kv[k], kv[k + 1]);
            push(d);
            break;
        }
        case SETITEM: {
            Node* v = pop();
            Node* k = pop();
            set_item(top(), k, v);
            break;
        }
        case SETITEMS: {
            std::vector<Node*> kv = pop_mark();
            if (kv.size() % 2) corrupt_at(at, "a dict has a key without a value");
            Node* d = top();
            for (size_t k = 0; k < kv.size(); k += 2) set_item(d, kv[k], kv[k + 1]);
            break;
        }

        case BINPUT: put(uint_le(1)); break;
        case LONG_BINPUT: put(uint_le(4)); break;
        case MEMOIZE: put(memo_.size()); break;
        case BINGET: get(uint_le(1)); break;
        case LONG_BINGET: get(uint_le(4)); break;

        case GLOBAL: {
            const std::string module = line();
            const std::string name = line();
            push(global(module, name));
            break;
        }
        case STACK_GLOBAL: {
            Node* name = pop();
            Node* module = pop();
            if (module->kind != Value::Kind::String || name->kind != Value::Kind::String ||
                module->type != Node::Type::Data || name->type != Node::Type::Data)
                corrupt_at(at, "a global is named by something that is not a string");
            push(global(module->s, name->s));
            break;
        }
        case REDUCE:
        case NEWOBJ: {
            Node* args = pop();
            Node* callable = pop();
            push(call(callable, args, op == NEWOBJ));
            break;
        }
        case BUILD: {
            // state_dict() carries its `_metadata` as the OrderedDict's state: nothing the
            // weights need, so it is accepted and dropped.
            pop();
            Node* obj = top();
            if (obj->type != Node::Type::Data || (obj->kind != Value::Kind::Dict && obj->kind != Value::Kind::Tensor))
                corrupt_at(at, "a pickle sets the state of an object torch.save never writes");
            break;
        }
        case BINPERSID: push(persistent_load(pop())); break;

        default: {
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02x", op);
            corrupt_at(at, std::string("unknown pickle opcode ") + hex);
        }
        }
    }

    // ---- result --------------------------------------------------------------------------
    Value to_value(const Node* n, int depth) {
        if (depth > 100) corrupt("its objects nest more than 100 levels deep");
        if (budget_-- == 0) corrupt("its objects expand to an enormous tree");
        switch (n->type) {
        case Node::Type::Global:
            // Only a dtype (torch.float32) can sensibly appear as a plain value.
            return Value::string(n->qualified_name);
        case Node::Type::Storage: {
            // A bare storage (not wrapped in a tensor): expose it as a flat tensor.
            std::shared_ptr<const void> owner = n->record.owner;
            return Value::from_tensor(at::from_blob(const_cast<uint8_t*>(n->record.data), {n->numel},
                                                    [owner](void*) {}, at::TensorOptions().dtype(n->dtype)));
        }
        case Node::Type::Data: break;
        }
        Value v;
        v.kind = n->kind;
        v.b = n->b;
        v.i = n->i;
        v.f = n->f;
        v.s = n->s;
        v.ordered = n->ordered;
        v.tensor = n->tensor;
        v.items.reserve(n->items.size());
        for (const Node* x : n->items) v.items.push_back(to_value(x, depth + 1));
        v.dict.reserve(n->dict.size());
        for (const auto& kv : n->dict) v.dict.emplace_back(to_value(kv.first, depth + 1), to_value(kv.second, depth + 1));
        return v;
    }

    const uint8_t* data_;
    size_t size_;
    size_t pos_ = 0;
    const std::string& source_;
    const StorageResolver& storages_;
    std::vector<std::unique_ptr<Node>> arena_;
    std::vector<Node*> stack_;
    std::vector<size_t> marks_;
    std::unordered_map<uint64_t, Node*> memo_;
    uint64_t budget_ = 0;
};

}  // namespace

Value read_pickle(const uint8_t* data, size_t size, const std::string& source, const StorageResolver& storages) {
    return Unpickler(data, size, source, storages).run();
}

}  // namespace ibllm
